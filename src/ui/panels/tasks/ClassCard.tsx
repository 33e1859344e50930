import { type FormEvent, useId, useRef, useState } from 'react';
import { shortened } from '../../../common/shortened';
import { useStudioStore } from '../../../store/studio-store';
import type { StudioClass, StudioImage, StudioTask } from '../../../tasks/studio-task';
import { capitalised, count } from '../../format';
import { Thumbnail } from './Thumbnail';
import { useClassNameProblem } from './use-class-name-problem';
import { useFileDrop } from './use-file-drop';

/** Thumbnails a card shows before "Show all": enough to recognise the class, few enough to keep pages light. */
const PREVIEW = 12;

interface ClassCardProps {
  task: StudioTask;
  cls: StudioClass;
  /** The class's images, in name order. */
  images: readonly StudioImage[];
}

/** One class: its images, a drop target and file picker for more, and rename, merge and delete. */
export function ClassCard({ task, cls, images }: ClassCardProps) {
  const addImages = useStudioStore((state) => state.addImages);
  const [showAll, setShowAll] = useState(false);
  const filesInput = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const { dragging, handlers } = useFileDrop((files) => void addImages(task.id, cls.id, files));
  const held = images.filter((i) => i.split === 'test').length;
  const shown = showAll ? images : images.slice(0, PREVIEW);
  return (
    // Dropping is a shortcut: "Add images…" does the same from the keyboard.
    <section
      className={dragging ? 'card class-card dragging' : 'card class-card'}
      aria-labelledby={titleId}
      data-testid="class-card"
      data-class={cls.name}
      data-images={images.length}
      data-held-out={held}
      {...handlers}
    >
      <header className="class-card-header">
        <h4 id={titleId} className="truncated" title={cls.name}>
          {cls.name}
        </h4>
        <span className="muted class-count">
          {count(images.length)} {images.length === 1 ? 'image' : 'images'}
          {held > 0 && `, ${count(held)} held out for testing`}
        </span>
      </header>
      {images.length === 0 ? (
        <p className="muted class-empty">No images yet: drop some here, or add them.</p>
      ) : (
        <ul className="thumbnails" aria-label={`Images of ${cls.name}`}>
          {shown.map((image) => (
            <li key={image.id}>
              <Thumbnail image={image} />
            </li>
          ))}
        </ul>
      )}
      {images.length > PREVIEW && (
        <button type="button" className="link-button" onClick={() => setShowAll(!showAll)}>
          {showAll ? 'Show fewer' : `Show all ${count(images.length)}`}
        </button>
      )}
      <div className="class-actions">
        <button type="button" className="button-secondary" onClick={() => filesInput.current?.click()}>
          Add images…
        </button>
        <RenameClass task={task} cls={cls} />
        <MergeClass task={task} cls={cls} />
        <DeleteClass task={task} cls={cls} images={images.length} />
      </div>
      <input
        ref={filesInput}
        type="file"
        hidden
        multiple
        accept="image/*"
        aria-label={`Images for ${cls.name}`}
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? [], (file) => ({ path: file.name, file }));
          event.currentTarget.value = '';
          if (files.length > 0) void addImages(task.id, cls.id, files);
        }}
      />
    </section>
  );
}

function RenameClass({ task, cls }: { task: StudioTask; cls: StudioClass }) {
  const renameClass = useStudioStore((state) => state.renameClass);
  const [name, setName] = useState<string | null>(null);
  const problem = useClassNameProblem(name ?? '');
  const problemId = useId();
  if (name === null)
    return (
      <button type="button" className="button-secondary" onClick={() => setName(cls.name)}>
        Rename
      </button>
    );
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (problem) return;
    setName(null);
    if (name.trim() !== cls.name) void renameClass(task.id, cls.id, name);
  };
  return (
    <form className="inline-form" onSubmit={onSubmit}>
      <input
        aria-label={`New name for ${cls.name}`}
        value={name}
        aria-invalid={problem !== null}
        aria-describedby={problem ? problemId : undefined}
        // biome-ignore lint/a11y/noAutofocus: the field the user just asked for
        autoFocus
        onChange={(event) => setName(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Escape') setName(null);
        }}
      />
      <button type="submit" className="button-secondary" disabled={problem !== null}>
        Save
      </button>
      <button type="button" className="link-button" onClick={() => setName(null)}>
        Cancel
      </button>
      {problem && (
        <p id={problemId} className="field-error" role="alert" data-testid="class-name-problem">
          {capitalised(problem)}
        </p>
      )}
    </form>
  );
}

function MergeClass({ task, cls }: { task: StudioTask; cls: StudioClass }) {
  const mergeClasses = useStudioStore((state) => state.mergeClasses);
  const others = task.classes.filter((c) => c.id !== cls.id);
  const [into, setInto] = useState('');
  const target = others.find((c) => c.id === into) ?? others[0];
  if (!target) return null;
  return (
    <span className="inline-form">
      <label>
        Merge into{' '}
        <select value={target.id} onChange={(event) => setInto(event.target.value)}>
          {others.map((c) => (
            <option key={c.id} value={c.id} title={c.name}>
              {shortened(c.name)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button-secondary"
        aria-label={`Merge ${cls.name} into ${target.name}`}
        onClick={() => void mergeClasses(task.id, cls.id, target.id)}
      >
        Merge
      </button>
    </span>
  );
}

function DeleteClass({ task, cls, images }: { task: StudioTask; cls: StudioClass; images: number }) {
  const deleteClass = useStudioStore((state) => state.deleteClass);
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <button
        type="button"
        className="button-secondary button-danger"
        aria-label={`Delete ${cls.name}`}
        onClick={() => setConfirming(true)}
      >
        Delete
      </button>
    );
  return (
    <span className="inline-form">
      <button
        type="button"
        className="button-danger-solid"
        // biome-ignore lint/a11y/noAutofocus: the confirmation the user just asked for
        autoFocus
        onClick={() => {
          setConfirming(false);
          void deleteClass(task.id, cls.id);
        }}
      >
        Delete {shortened(cls.name)} and its {count(images)} {images === 1 ? 'image' : 'images'}
      </button>
      <button type="button" className="link-button" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </span>
  );
}
