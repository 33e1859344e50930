import { type DragEvent, type ReactNode, useId, useRef, useState } from 'react';
import { droppedFiles } from './dropped-files';

/** One way to pick the files by keyboard: a button opening a hidden file input. */
export interface FilePicker {
  /** The button's text, e.g. "Import JSON…". */
  buttonLabel: string;
  /** The hidden file input's accessible name (tests and assistive technology find it by this). */
  inputLabel: string;
  accept?: string;
  multiple?: boolean;
  /** Picks a folder (with everything under it) instead of files. */
  directory?: boolean;
}

export interface FileDropZoneProps {
  /** What the zone takes, shown inside it and describing its buttons. */
  hint: ReactNode;
  pickers: readonly FilePicker[];
  /** A drop keeps every file; otherwise the first only. */
  multiple?: boolean;
  disabled?: boolean;
  onFiles(files: File[]): void;
}

/** A zone to drop files on, with buttons that open the file picker for keyboard users and the rest. */
export function FileDropZone({
  hint,
  pickers,
  multiple = false,
  disabled = false,
  onFiles,
}: FileDropZoneProps) {
  const [dragging, setDragging] = useState(false);
  const hintId = useId();
  const take = (files: File[], many: boolean) => {
    const chosen = many ? files : files.slice(0, 1);
    if (chosen.length > 0) onFiles(chosen);
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    if (disabled) return;
    void droppedFiles(event.dataTransfer).then((files) => take(files, multiple));
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the zone only receives drops; its buttons pick files
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
        {pickers.map((picker) => (
          <PickerButton
            key={picker.inputLabel}
            picker={picker}
            hintId={hintId}
            disabled={disabled}
            onFiles={(files) => take(files, picker.multiple === true || picker.directory === true)}
          />
        ))}
      </div>
    </div>
  );
}

function PickerButton({
  picker,
  hintId,
  disabled,
  onFiles,
}: {
  picker: FilePicker;
  hintId: string;
  disabled: boolean;
  onFiles: (files: File[]) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button
        type="button"
        className="button-secondary"
        disabled={disabled}
        aria-describedby={hintId}
        onClick={() => input.current?.click()}
      >
        {picker.buttonLabel}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        accept={picker.accept}
        multiple={picker.multiple}
        aria-label={picker.inputLabel}
        // Not in React's typings: the attribute that makes a file input pick a folder.
        {...(picker.directory ? { webkitdirectory: '' } : {})}
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? []);
          event.currentTarget.value = '';
          onFiles(files);
        }}
      />
    </>
  );
}
