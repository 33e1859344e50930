import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './ui/App';
import { type EngineClient, engineClient } from './worker-client/engine-client';
import './ui/styles.css';

declare global {
  interface Window {
    /** The engine worker's API, for the browser console and the e2e tests (which compare it with Node's). */
    promptStudio: { engine: EngineClient };
  }
}

window.promptStudio = { engine: engineClient() };

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
