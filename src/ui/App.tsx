import { type ReactNode, useEffect, useState } from 'react';
import { useStudioStore } from '../store/studio-store';
import { useLeaveWarning } from './leave-warning';
import { EnginePanel } from './panels/EnginePanel';
import { LibraryPanel } from './panels/LibraryPanel';
import { ModelPanel } from './panels/ModelPanel';
import { PredictPanel } from './panels/PredictPanel';
import { TasksPanel } from './panels/TasksPanel';
import { TrainPanel } from './panels/TrainPanel';
import { TransferPanel } from './panels/TransferPanel';
import { ZeroShotPanel } from './panels/ZeroShotPanel';
import { StorageStatus } from './StorageStatus';

interface Panel {
  id: string;
  label: string;
  render(): ReactNode;
}

const panels: readonly [Panel, ...Panel[]] = [
  { id: 'engine', label: 'Engine', render: () => <EnginePanel /> },
  { id: 'model', label: 'Model', render: () => <ModelPanel /> },
  { id: 'tasks', label: 'Tasks', render: () => <TasksPanel /> },
  { id: 'train', label: 'Train & compare', render: () => <TrainPanel /> },
  { id: 'predict', label: 'Predict', render: () => <PredictPanel /> },
  { id: 'transfer', label: 'Transfer', render: () => <TransferPanel /> },
  { id: 'library', label: 'Library', render: () => <LibraryPanel /> },
  { id: 'zero-shot', label: 'Zero-shot', render: () => <ZeroShotPanel /> },
];

/** Where a person starts: making a task from their images (or a demo pack). */
const LANDING_PANEL = 'tasks';

/** The studio's frame: a header, the list of panels, and the open panel. */
export function App() {
  const [openId, setOpenId] = useState(LANDING_PANEL);
  const open = panels.find((panel) => panel.id === openId) ?? panels[0];
  const startEngine = useStudioStore((state) => state.startEngine);
  const startModel = useStudioStore((state) => state.startModel);
  const startTasks = useStudioStore((state) => state.startTasks);
  const training = useStudioStore((state) =>
    state.training.runs.some((run) => run.status === 'running' || run.status === 'paused'),
  );
  useLeaveWarning(training);

  // Every panel needs the engine and the model, so they start with the page rather than with any one panel.
  useEffect(() => {
    void startEngine();
    void startModel();
    // Other panels read the stored tasks too; this also asks the browser to keep the studio's storage.
    void startTasks();
  }, [startEngine, startModel, startTasks]);

  return (
    <div className="shell">
      <header className="shell-header">
        <h1>Prompt Studio</h1>
        <p className="tagline">Prompt-tune a frozen CLIP on your own GPU</p>
        <StorageStatus />
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
