import { type FormEvent, memo, useId } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { methodEntry } from '../../../methods/catalog';
import type { TrainingDefaults } from '../../../methods/method';
import { useStudioStore } from '../../../store/studio-store';
import { type LiveStatus, METHOD_CHOICES, type MethodChoice } from '../../../store/training-plan';
import { useHyperparameterProblems, useShotsNote } from './use-session-checks';

/** Tasks, methods and the session's options; starts, pauses, resumes and cancels the whole session. */
export function TrainForm() {
  const starting = useStudioStore((state) => state.training.starting);
  const error = useStudioStore((state) => state.training.error);
  const active = useStudioStore((state) =>
    state.training.runs.some((r) => r.status === 'running' || r.status === 'paused'),
  );
  const modelReady = useStudioStore((state) => state.model.loaded !== null);
  const choices = useStudioStore((state) => state.training.settings.choices);
  const start = useStudioStore((state) => state.startTrainingSession);
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void start();
  };
  // The pickers and options re-render on their own store slices only, not on each start/stop of the form:
  // a click must not redraw every method's settings in the same task.
  return (
    <form className="card train-form" onSubmit={onSubmit} aria-labelledby="train-form-title">
      <h3 id="train-form-title">Set up</h3>
      <div className="train-form-columns">
        <TaskPicker />
        <MethodPicker />
      </div>
      <SessionOptions />
      <div className="controls">
        <button type="submit" disabled={!modelReady || starting || active || choices.length === 0}>
          {starting ? 'Starting…' : 'Train side by side'}
        </button>
        <SessionControls />
        {!modelReady && <span className="muted">Waiting for the model…</span>}
      </div>
      <SessionStatus />
      {error && (
        <p className="notice notice-error train-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

const TaskPicker = memo(function TaskPicker() {
  const tasks = useStudioStore((state) => state.studioTasks.list);
  const chosen = useStudioStore((state) => state.training.settings.taskIds);
  const toggle = useStudioStore((state) => state.toggleTrainingTask);
  const disabled = useStudioStore((state) => state.training.runs.some((r) => r.status === 'running'));
  const hint = useId();
  return (
    <fieldset className="train-tasks" aria-describedby={hint}>
      <legend>Tasks</legend>
      <p id={hint} className="field-hint">
        The first task ticked is the one the methods are compared on; multitask methods also learn from the
        others.
      </p>
      {tasks.length === 0 ? (
        <p className="muted">No tasks yet: load a demo task or drop images in the Tasks panel.</p>
      ) : (
        <ul className="choice-list">
          {tasks.map((task) => {
            const position = chosen.indexOf(task.id);
            return (
              <li key={task.id}>
                <label>
                  <input
                    type="checkbox"
                    checked={position >= 0}
                    disabled={disabled}
                    onChange={() => toggle(task.id)}
                  />
                  <span className="truncated train-task-name" title={task.name}>
                    {task.name}
                  </span>
                  <span className="muted"> · {task.classes.length} classes</span>
                  {position === 0 && <span className="task-role">compared on</span>}
                  {position > 0 && <span className="task-role task-role-quiet">also learnt from</span>}
                </label>
              </li>
            );
          })}
        </ul>
      )}
    </fieldset>
  );
});

const MethodPicker = memo(function MethodPicker() {
  const chosen = useStudioStore((state) => state.training.settings.choices);
  const taskCount = useStudioStore((state) => state.training.settings.taskIds.length);
  const toggle = useStudioStore((state) => state.toggleMethodChoice);
  return (
    <fieldset className="train-methods">
      <legend>Methods</legend>
      <ul className="choice-list">
        {METHOD_CHOICES.map((choice) => (
          <li key={choice.id}>
            <label>
              <input
                type="checkbox"
                checked={chosen.includes(choice.id)}
                onChange={() => toggle(choice.id)}
              />
              {choice.title}
              {choice.kind !== 'single' && taskCount < 2 && (
                <span className="muted"> · needs two tasks or more</span>
              )}
            </label>
            {chosen.includes(choice.id) && <MethodSettings choice={choice} />}
          </li>
        ))}
      </ul>
    </fieldset>
  );
});

function recipe(training: TrainingDefaults | null): string {
  if (!training) return 'Nothing to train: the frozen model with hand-written prompts.';
  const { optimizer, learningRate, epochs, batchSize, warmupEpochs } = training;
  const warmup = warmupEpochs > 0 ? `, ${warmupEpochs} warm-up epoch${warmupEpochs === 1 ? '' : 's'}` : '';
  return `Paper recipe: ${optimizer.toUpperCase()}, learning rate ${learningRate}, ${epochs} epochs, batch ${batchSize}${warmup}.`;
}

/** The method's hyperparameters, its paper's defaults filled in and editable, and its training recipe. */
function MethodSettings({ choice }: { choice: MethodChoice }) {
  const edits = useStudioStore((state) => state.training.settings.hyperparameters[choice.id]);
  const setValue = useStudioStore((state) => state.setHyperparameter);
  const problems = useHyperparameterProblems(choice);
  const definition = methodEntry(choice.method);
  const entries = Object.entries(definition.defaults);
  return (
    <details className="method-settings">
      <summary>
        Settings <span className="visually-hidden">of {choice.title}</span>
      </summary>
      <p className="field-hint">{definition.summary}</p>
      <p className="field-hint">{recipe(definition.training)}</p>
      {entries.length > 0 && (
        <div className="hyper-grid">
          {entries.map(([key, fallback]) => {
            const text = edits?.[key] ?? String(fallback);
            const label = `${choice.title} ${key}`;
            if (typeof fallback === 'boolean') {
              return (
                <label key={key} className="hyper-flag">
                  <input
                    type="checkbox"
                    checked={text === 'true'}
                    onChange={(e) => setValue(choice.id, key, String(e.target.checked))}
                  />
                  <code>{key}</code>
                </label>
              );
            }
            const problem = problems[key];
            return (
              <label key={key} className="hyper-field">
                <code>{key}</code>
                <input
                  type="text"
                  inputMode={typeof fallback === 'number' ? 'decimal' : undefined}
                  value={text}
                  aria-label={label}
                  aria-invalid={problem !== undefined}
                  spellCheck={false}
                  onChange={(e) => setValue(choice.id, key, e.target.value)}
                />
                {problem && (
                  <span className="field-error" role="alert" data-testid="hyper-problem" data-key={key}>
                    {problem}
                  </span>
                )}
              </label>
            );
          })}
        </div>
      )}
    </details>
  );
}

const SessionOptions = memo(function SessionOptions() {
  const settings = useStudioStore((state) => state.training.settings);
  const first = useStudioStore((state) =>
    state.studioTasks.list.find((t) => t.id === state.training.settings.taskIds[0]),
  );
  const setOptions = useStudioStore((state) => state.setTrainingOptions);
  const shotsNote = useShotsNote();
  const fields = [
    { key: 'shots', label: 'Shots per class', placeholder: first ? String(first.shots) : 'the task’s' },
    { key: 'seeds', label: 'Seeds', placeholder: first ? String(first.seed) : '1,2,3' },
    { key: 'epochs', label: 'Epochs', placeholder: 'paper’s' },
    { key: 'batchSize', label: 'Batch size', placeholder: 'paper’s' },
    { key: 'learningRate', label: 'Learning rate', placeholder: 'paper’s' },
  ] as const;
  return (
    <fieldset className="train-options">
      <legend>Runs</legend>
      <p className="field-hint">
        One run per method and seed (seeds like 1,2,3 give mean ± std). Left blank: the task’s shots and seed,
        and each method’s paper recipe.
      </p>
      <div className="option-grid">
        {fields.map(({ key, label, placeholder }) => (
          <label key={key}>
            {label}
            <input
              type="text"
              inputMode={key === 'seeds' ? 'text' : 'decimal'}
              value={settings[key]}
              placeholder={placeholder}
              spellCheck={false}
              onChange={(e) => setOptions({ [key]: e.target.value })}
            />
          </label>
        ))}
      </div>
      {shotsNote && (
        <p className="field-hint" role="status" data-testid="shots-note">
          {shotsNote}
        </p>
      )}
      <label className="checkbox-row">
        <input
          type="checkbox"
          checked={settings.baseToNovel}
          onChange={(e) => setOptions({ baseToNovel: e.target.checked })}
        />
        Base-to-novel: train on the first half of the task’s classes, test on both halves (does the prompt
        work on classes it never saw?)
      </label>
    </fieldset>
  );
});

function SessionControls() {
  // Counts, not the runs: the form does not draw again for every batch of training updates.
  const running = useStudioStore((state) => state.training.runs.filter((r) => r.status === 'running').length);
  const paused = useStudioStore((state) => state.training.runs.filter((r) => r.status === 'paused').length);
  const pause = useStudioStore((state) => state.pauseTraining);
  const resume = useStudioStore((state) => state.resumeTraining);
  const cancel = useStudioStore((state) => state.cancelTraining);
  if (running + paused === 0) return null;
  return (
    <>
      <button type="button" className="secondary" disabled={running === 0} onClick={() => void pause()}>
        Pause all
      </button>
      <button type="button" className="secondary" disabled={paused === 0} onClick={() => void resume()}>
        Resume all
      </button>
      <button type="button" className="secondary" onClick={() => void cancel()}>
        Cancel all
      </button>
    </>
  );
}

/** The session in one line, for everyone and for screen readers as it changes. */
function SessionStatus() {
  const counts = useStudioStore(
    useShallow((state) => {
      const count = (status: LiveStatus) => state.training.runs.filter((r) => r.status === status).length;
      return {
        running: count('running'),
        paused: count('paused'),
        completed: count('completed'),
        cancelled: count('cancelled'),
        failed: count('failed'),
      };
    }),
  );
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`);
  const live = counts.running + counts.paused > 0;
  return (
    <p role="status" className="session-status" data-testid="session-status">
      {parts.length > 0 && `${live ? 'This session' : 'Session finished'}: ${parts.join(', ')}.`}
    </p>
  );
}
