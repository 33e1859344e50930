import { type FormEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { shortened } from '../../common/shortened';
import { useStudioStore } from '../../store/studio-store';
import type { StudioImage, StudioTask } from '../../tasks/studio-task';
import { capitalised, count } from '../format';
import { ClassCard } from './tasks/ClassCard';
import { useClassNameProblem } from './tasks/use-class-name-problem';
import { useFileDrop } from './tasks/use-file-drop';
import './TasksPanel.css';

/** A folder picker: `webkitdirectory` is not in React's typings. */
const folderPicker = { webkitdirectory: '' };

const filesOfFolder = (input: HTMLInputElement) => {
  const files = Array.from(input.files ?? [], (file) => ({
    path: file.webkitRelativePath || file.name,
    file,
  }));
  input.value = '';
  return files;
};

/** The user's tasks: classes of images, dropped or picked, stored in the browser; and the demo packs. */
export function TasksPanel() {
  const startTasks = useStudioStore((state) => state.startTasks);
  const loadDemoPacks = useStudioStore((state) => state.loadDemoPacks);
  const selected = useStudioStore((state) =>
    state.studioTasks.list.find((t) => t.id === state.studioTasks.selectedId),
  );
  const addImages = useStudioStore((state) => state.addImages);
  const createTaskFromFiles = useStudioStore((state) => state.createTaskFromFiles);
  useEffect(() => {
    void startTasks();
    void loadDemoPacks();
  }, [startTasks, loadDemoPacks]);
  // Anywhere on the panel takes a folder: into the open task, or as a new task when none is open.
  const { dragging, handlers } = useFileDrop((files) => {
    if (selected) void addImages(selected.id, null, files);
    else void createTaskFromFiles(files);
  });
  return (
    // Dropping is a shortcut: "Add a folder…" and "New task from a folder…" do the same from the keyboard.
    <section
      className={dragging ? 'panel tasks-panel dragging' : 'panel tasks-panel'}
      aria-labelledby="tasks-panel-title"
      {...handlers}
    >
      <h2 id="tasks-panel-title">Tasks</h2>
      <p className="panel-intro">
        A task is a few images per class. Drop a folder with a subfolder per class, drop images onto a class,
        or load a demo pack. Everything stays in this browser.
      </p>
      <TasksActivity />
      <div className="tasks-layout">
        <div className="tasks-sidebar">
          <TaskList />
          <DemoPacks />
        </div>
        {selected ? <TaskEditor key={selected.id} task={selected} /> : <NoTaskSelected />}
      </div>
    </section>
  );
}

/** Progress, errors and skipped files: what the last action did, whatever part of the panel it came from. */
function TasksActivity() {
  const { busy, error, skipped, loaded } = useStudioStore((state) => state.studioTasks);
  const dismissError = useStudioStore((state) => state.dismissTasksError);
  const dismissSkipped = useStudioStore((state) => state.dismissSkipped);
  const skippedTitle = useId();
  return (
    <>
      <div role="status" className="tasks-status" data-testid="tasks-status">
        {!loaded && 'Reading the stored tasks…'}
        {busy && (
          <>
            {busy.label}
            {busy.total > 0 && ` (${count(busy.done)} of ${count(busy.total)})`}…{' '}
            <progress
              value={busy.total > 0 ? busy.done : undefined}
              max={busy.total || undefined}
              aria-label={busy.label}
            />
          </>
        )}
      </div>
      {error && (
        <div className="notice notice-error tasks-error" role="alert" data-testid="tasks-error">
          <p>{capitalised(error)}</p>
          <button type="button" className="link-button" onClick={dismissError}>
            Dismiss
          </button>
        </div>
      )}
      {skipped.length > 0 && (
        <section
          className="notice notice-warning skipped-files"
          aria-labelledby={skippedTitle}
          data-testid="skipped-files"
        >
          <h3 id={skippedTitle}>
            {count(skipped.length)} {skipped.length === 1 ? 'file was' : 'files were'} skipped
          </h3>
          <ul>
            {skipped.map((file) => (
              <li key={file.path} data-testid="skipped-file" data-path={file.path}>
                <code>{file.path}</code>: {file.reason}
              </li>
            ))}
          </ul>
          <button type="button" className="link-button" onClick={dismissSkipped}>
            Dismiss
          </button>
        </section>
      )}
    </>
  );
}

function TaskList() {
  const { list, imageCounts, selectedId, loaded } = useStudioStore((state) => state.studioTasks);
  const selectTask = useStudioStore((state) => state.selectTask);
  const createTask = useStudioStore((state) => state.createTask);
  const createTaskFromFiles = useStudioStore((state) => state.createTaskFromFiles);
  const [name, setName] = useState('');
  const folderInput = useRef<HTMLInputElement>(null);
  const nameId = useId();
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    void createTask(name).then((id) => {
      if (id) setName('');
    });
  };
  return (
    <section className="card" aria-labelledby="task-list-title">
      <h3 id="task-list-title">Your tasks</h3>
      {loaded && list.length === 0 && <p className="muted">No tasks yet.</p>}
      <ul className="task-list">
        {list.map((task) => {
          const images = Object.values(imageCounts[task.id] ?? {}).reduce((a, b) => a + b, 0);
          return (
            <li key={task.id}>
              <button
                type="button"
                aria-current={task.id === selectedId ? 'true' : undefined}
                data-testid="task-item"
                data-task={task.name}
                onClick={() => selectTask(task.id)}
              >
                <span className="task-name truncated" title={task.name}>
                  {task.name}
                </span>
                <span className="task-summary">
                  {task.origin.kind === 'demo' && <span className="badge">demo</span>}
                  {count(task.classes.length)} {task.classes.length === 1 ? 'class' : 'classes'},{' '}
                  {count(images)} {images === 1 ? 'image' : 'images'}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      <form className="inline-form new-task" onSubmit={onSubmit}>
        <label htmlFor={nameId}>New task</label>
        <input
          id={nameId}
          value={name}
          placeholder="Name"
          onChange={(event) => setName(event.target.value)}
        />
        <button type="submit" className="button-secondary" disabled={!name.trim()}>
          Create
        </button>
      </form>
      <button type="button" className="button-secondary" onClick={() => folderInput.current?.click()}>
        New task from a folder…
      </button>
      <input
        ref={folderInput}
        type="file"
        hidden
        aria-label="Folder for a new task"
        data-testid="new-task-folder"
        {...folderPicker}
        onChange={(event) => {
          const files = filesOfFolder(event.currentTarget);
          if (files.length > 0) void createTaskFromFiles(files);
        }}
      />
    </section>
  );
}

function DemoPacks() {
  const { packs, packsError, list } = useStudioStore((state) => state.studioTasks);
  const loadDemoTask = useStudioStore((state) => state.loadDemoTask);
  const [chosen, setChosen] = useState('');
  const ids = { pack: useId(), description: useId() };
  const pack = packs?.find((p) => p.name === chosen) ?? packs?.[0];
  const stored = pack && list.some((t) => t.origin.kind === 'demo' && t.origin.pack === pack.name);
  return (
    <section className="card" aria-labelledby="demo-packs-title">
      <h3 id="demo-packs-title">Demo packs</h3>
      {packsError && (
        <p className="notice notice-error" role="alert">
          The demo packs did not load: {packsError}
        </p>
      )}
      <div className="inline-form">
        <label htmlFor={ids.pack}>Pack</label>
        <select
          id={ids.pack}
          value={pack?.name ?? ''}
          disabled={!packs}
          aria-describedby={ids.description}
          onChange={(event) => setChosen(event.target.value)}
        >
          {(packs ?? []).map((p) => (
            <option key={p.name} value={p.name}>
              {p.title} ({p.classes.length} classes)
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button-secondary"
          disabled={!pack}
          onClick={() => pack && void loadDemoTask(pack.name)}
        >
          {stored ? 'Open' : 'Load'}
        </button>
      </div>
      <p id={ids.description} className="muted pack-description">
        {pack
          ? `${pack.description} ${pack.trainPerClass} training and ${pack.testPerClass} test images per class.`
          : !packsError && 'Loading the list of packs…'}
      </p>
    </section>
  );
}

function NoTaskSelected() {
  return (
    <section className="card task-editor task-drop-hint">
      <h3>No task open</h3>
      <p>
        Create a task, load a demo pack, or drop a folder here: each of its subfolders becomes a class of a
        new task.
      </p>
    </section>
  );
}

function TaskEditor({ task }: { task: StudioTask }) {
  const images = useStudioStore((state) => state.studioTasks.images[task.id]);
  const addImages = useStudioStore((state) => state.addImages);
  const folderInput = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const byClass = useMemo(() => imagesByClass(images ?? []), [images]);
  return (
    <section className="card task-editor" aria-labelledby="task-editor-title" data-testid="task-editor">
      <TaskHeader task={task} />
      <TaskSampling task={task} trainCounts={task.classes.map((c) => trainCount(byClass.get(c.id)))} />
      <p className="muted split-note">
        {task.origin.kind === 'demo'
          ? `Images from the ${task.origin.pack} pack keep the pack's own train/test split; images you add are split among themselves.`
          : 'A quarter of each class (one image from four on) is held out for testing, so every run is scored on images it never trained on.'}
      </p>
      <div className="drop-zone task-folder-zone">
        <p id={hintId}>
          Drop a folder with a subfolder per class anywhere on this panel to add its classes and images to{' '}
          <strong>{task.name}</strong>, or choose one.
        </p>
        <button
          type="button"
          className="button-secondary"
          aria-describedby={hintId}
          onClick={() => folderInput.current?.click()}
        >
          Add a folder…
        </button>
        <input
          ref={folderInput}
          type="file"
          hidden
          aria-label={`Folder to add to ${task.name}`}
          data-testid="task-folder"
          {...folderPicker}
          onChange={(event) => {
            const files = filesOfFolder(event.currentTarget);
            if (files.length > 0) void addImages(task.id, null, files);
          }}
        />
      </div>
      <AddClass task={task} />
      <div className="class-grid">
        {task.classes.map((cls) => (
          <ClassCard key={cls.id} task={task} cls={cls} images={byClass.get(cls.id) ?? []} />
        ))}
      </div>
    </section>
  );
}

function imagesByClass(images: readonly StudioImage[]): Map<string, StudioImage[]> {
  const byClass = new Map<string, StudioImage[]>();
  for (const image of images) byClass.set(image.classId, [...(byClass.get(image.classId) ?? []), image]);
  for (const list of byClass.values())
    list.sort((a, b) => a.fileName.localeCompare(b.fileName, undefined, { numeric: true }));
  return byClass;
}

const trainCount = (images: readonly StudioImage[] | undefined) =>
  (images ?? []).filter((i) => i.split === 'train').length;

function TaskHeader({ task }: { task: StudioTask }) {
  const renameTask = useStudioStore((state) => state.renameTask);
  const deleteTask = useStudioStore((state) => state.deleteTask);
  const training = useStudioStore(
    (state) =>
      state.training.runs.filter(
        (r) => (r.status === 'running' || r.status === 'paused') && r.tasks.includes(task.name),
      ).length,
  );
  const [name, setName] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const onRename = (event: FormEvent) => {
    event.preventDefault();
    if (name !== null && name.trim() !== task.name) void renameTask(task.id, name);
    setName(null);
  };
  return (
    <header className="task-header">
      {name === null ? (
        <h3 id="task-editor-title" className="truncated" title={task.name}>
          {task.name}
        </h3>
      ) : (
        <form className="inline-form" onSubmit={onRename}>
          <input
            id="task-editor-title"
            aria-label="Task name"
            value={name}
            // biome-ignore lint/a11y/noAutofocus: the field the user just asked for
            autoFocus
            onChange={(event) => setName(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setName(null);
            }}
          />
          <button type="submit" className="button-secondary">
            Save
          </button>
        </form>
      )}
      <div className="inline-form">
        {name === null && (
          <button type="button" className="button-secondary" onClick={() => setName(task.name)}>
            Rename task
          </button>
        )}
        {confirming ? (
          <>
            {training > 0 && (
              <span className="field-error" role="alert" data-testid="delete-training-warning">
                {shortened(task.name)} is being trained on: deleting it cancels{' '}
                {training === 1 ? 'that run' : `those ${training} runs`}, and no result of{' '}
                {training === 1 ? 'it' : 'them'} is kept.
              </span>
            )}
            <button
              type="button"
              className="button-danger-solid"
              // biome-ignore lint/a11y/noAutofocus: the confirmation the user just asked for
              autoFocus
              onClick={() => void deleteTask(task.id)}
            >
              {training > 0
                ? `Cancel ${training === 1 ? 'its training run' : `its ${training} training runs`}, delete ${shortened(task.name)} and all its images`
                : `Delete ${shortened(task.name)} and all its images`}
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            className="button-secondary button-danger"
            onClick={() => setConfirming(true)}
          >
            Delete task
          </button>
        )}
      </div>
    </header>
  );
}

/** Shots and seed, saved as soon as they hold a valid number. */
function TaskSampling({ task, trainCounts }: { task: StudioTask; trainCounts: number[] }) {
  const setTaskSampling = useStudioStore((state) => state.setTaskSampling);
  const [shots, setShots] = useState(String(task.shots));
  const [seed, setSeed] = useState(String(task.seed));
  const ids = { shots: useId(), seed: useId(), hint: useId() };
  const fewest = trainCounts.length > 0 ? Math.min(...trainCounts) : null;
  const save = (change: { shots?: number; seed?: number }) => void setTaskSampling(task.id, change);
  return (
    <div className="task-sampling">
      <div className="inline-form">
        <label htmlFor={ids.shots}>Shots per class</label>
        <input
          id={ids.shots}
          type="number"
          min={1}
          step={1}
          value={shots}
          aria-describedby={ids.hint}
          onChange={(event) => {
            setShots(event.target.value);
            const value = Number(event.target.value);
            if (event.target.value && Number.isInteger(value) && value >= 1) save({ shots: value });
          }}
        />
        <label htmlFor={ids.seed}>Seed</label>
        <input
          id={ids.seed}
          type="number"
          min={0}
          step={1}
          value={seed}
          onChange={(event) => {
            setSeed(event.target.value);
            const value = Number(event.target.value);
            if (event.target.value && Number.isInteger(value) && value >= 0) save({ seed: value });
          }}
        />
      </div>
      <p id={ids.hint} className="muted">
        Runs sample {task.shots} training images per class, drawn with this seed.
        {fewest !== null &&
          fewest < task.shots &&
          ` The smallest class has ${fewest} training ${fewest === 1 ? 'image' : 'images'}: add more or lower the shots.`}
      </p>
    </div>
  );
}

function AddClass({ task }: { task: StudioTask }) {
  const addClass = useStudioStore((state) => state.addClass);
  const [name, setName] = useState('');
  const problem = useClassNameProblem(name);
  const ids = { name: useId(), problem: useId() };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (problem) return;
    void addClass(task.id, name);
    setName('');
  };
  return (
    <form className="inline-form add-class" onSubmit={onSubmit}>
      <label htmlFor={ids.name}>New class</label>
      <input
        id={ids.name}
        value={name}
        placeholder="Name"
        aria-invalid={problem !== null}
        aria-describedby={problem ? ids.problem : undefined}
        onChange={(event) => setName(event.target.value)}
      />
      <button type="submit" className="button-secondary" disabled={!name.trim() || problem !== null}>
        Add class
      </button>
      {problem && (
        <p id={ids.problem} className="field-error" role="alert" data-testid="class-name-problem">
          {capitalised(problem)}
        </p>
      )}
    </form>
  );
}
