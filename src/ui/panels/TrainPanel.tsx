import { useEffect } from 'react';
import { useStudioStore } from '../../store/studio-store';
import { InterruptedSessions } from './train/InterruptedSessions';
import { RunsTable } from './train/RunsTable';
import { TrainForm } from './train/TrainForm';
import { TrainResults } from './train/TrainResults';
import './TrainPanel.css';

/** Several prompt-tuning methods trained side by side on the user's task, compared as they learn. */
export function TrainPanel() {
  const loadHistory = useStudioStore((state) => state.loadTrainingHistory);
  const storageError = useStudioStore((state) => state.training.storageError);
  useEffect(() => {
    void loadHistory();
  }, [loadHistory]);
  return (
    <section className="panel train-panel" aria-labelledby="train-panel-title">
      <h2 id="train-panel-title">Train &amp; compare</h2>
      <p className="panel-intro">
        Pick a task and the methods to compare: they train together on this device, step by step, each on the
        same few shots per class, and are tested on the task’s held-out images. Every finished run and its
        prompt set is kept in the Library.
      </p>
      <InterruptedSessions />
      <TrainForm />
      {storageError && (
        <p className="notice notice-error" role="alert">
          {storageError}
        </p>
      )}
      <RunsTable />
      <TrainResults />
    </section>
  );
}
