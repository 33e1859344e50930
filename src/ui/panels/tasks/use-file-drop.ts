import { type DragEvent, useState } from 'react';
import type { DroppedPath } from '../../../tasks/dropped-paths';
import { droppedFilePaths } from '../../dropped-files';

/**
 * Handlers that make an element a drop target for files and folders. A drop is handled by the innermost
 * target (a class card inside the task's page-level zone), so it never lands twice.
 */
export function useFileDrop(onFiles: (files: DroppedPath<File>[]) => void) {
  const [dragging, setDragging] = useState(false);
  const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');
  return {
    dragging,
    handlers: {
      onDragOver(event: DragEvent) {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        event.stopPropagation();
        event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      },
      onDragLeave(event: DragEvent) {
        // Leaving for a child of the target is not leaving the target.
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      },
      onDrop(event: DragEvent) {
        event.preventDefault();
        event.stopPropagation();
        setDragging(false);
        void droppedFilePaths(event.dataTransfer).then((files) => {
          if (files.length > 0) onFiles(files);
        });
      },
    },
  };
}
