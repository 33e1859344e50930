import { type DragEvent, type ReactNode, useId, useRef, useState } from 'react';
import { droppedFiles } from './dropped-files';

export interface FileDropZoneProps {
  /** What the zone takes, shown inside it and describing its button. */
  hint: ReactNode;
  /** The picker button's text, e.g. "Import JSON…". */
  buttonLabel: string;
  /** The hidden file input's accessible name (tests and assistive technology find it by this). */
  inputLabel: string;
  accept?: string;
  multiple?: boolean;
  disabled?: boolean;
  onFiles(files: File[]): void;
}

/** A zone to drop files on, with a button that opens the file picker for keyboard users and the rest. */
export function FileDropZone({
  hint,
  buttonLabel,
  inputLabel,
  accept,
  multiple = false,
  disabled = false,
  onFiles,
}: FileDropZoneProps) {
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const hintId = useId();
  const take = (files: File[]) => {
    const chosen = multiple ? files : files.slice(0, 1);
    if (chosen.length > 0) onFiles(chosen);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (disabled) return;
    void droppedFiles(event.dataTransfer).then(take);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the zone only receives drops; its button picks files
    <div
      className={dragging ? 'drop-zone dragging' : 'drop-zone'}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <p id={hintId}>{hint}</p>
      <div className="controls">
        <button
          type="button"
          className="button-secondary"
          disabled={disabled}
          aria-describedby={hintId}
          onClick={() => input.current?.click()}
        >
          {buttonLabel}
        </button>
      </div>
      <input
        ref={input}
        type="file"
        hidden
        accept={accept}
        multiple={multiple}
        aria-label={inputLabel}
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? []);
          event.currentTarget.value = '';
          take(files);
        }}
      />
    </div>
  );
}
