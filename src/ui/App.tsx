import { type ReactNode, useEffect, useState } from 'react';
import { useStudioStore } from '../store/studio-store';
import { EnginePanel } from './panels/EnginePanel';
import { ModelPanel } from './panels/ModelPanel';
import { ZeroShotPanel } from './panels/ZeroShotPanel';

interface Panel {
  id: string;
  label: string;
  render(): ReactNode;
}

const panels: readonly [Panel, ...Panel[]] = [
  { id: 'engine', label: 'Engine', render: () => <EnginePanel /> },
  { id: 'model', label: 'Model', render: () => <ModelPanel /> },
  { id: 'zero-shot', label: 'Zero-shot', render: () => <ZeroShotPanel /> },
];

/** The studio's frame: a header, the list of panels, and the open panel. */
export function App() {
  const [openId, setOpenId] = useState(panels[0].id);
  const open = panels.find((panel) => panel.id === openId) ?? panels[0];
  const startEngine = useStudioStore((state) => state.startEngine);
  const startModel = useStudioStore((state) => state.startModel);

  // Every panel needs the engine, so it starts with the page rather than with any one panel. The model's
  // load is asked for next, so it is built before the engine's self-test takes the queue.
  useEffect(() => {
    void startEngine();
    void startModel();
  }, [startEngine, startModel]);

  return (
    <div className="shell">
      <header className="shell-header">
        <h1>Prompt Studio</h1>
        <p className="tagline">Prompt-tune a frozen CLIP on your own GPU</p>
      </header>
      <nav className="shell-nav" aria-label="Panels">
        <ul>
          {panels.map((panel) => (
            <li key={panel.id}>
              <button
                type="button"
                aria-current={panel.id === open.id ? 'page' : undefined}
                onClick={() => setOpenId(panel.id)}
              >
                {panel.label}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="shell-main">{open.render()}</main>
    </div>
  );
}
