import type { StateCreator } from 'zustand';
import { fileStem } from '../common/file-stem';
import { messageOf } from '../common/message-of';
import type { StoredPromptSet, StoredRun } from '../persistence/records';
import { deleteAll, getAll, put } from '../persistence/studio-db';
import type { ContextWords } from '../prompts/text-contexts';
import { engineClient } from '../worker-client/engine-client';
import type { StudioState } from './studio-store';

/** Words shown per context position: CoOp's paper shows the nearest one; a few show how close the race is. */
export const NEAREST_WORDS = 3;

export interface ContextWordsState {
  loading: boolean;
  contexts: ContextWords[] | null;
  error: string | null;
}

/** One file of the last import: kept, or refused with the reason. */
export interface ImportOutcome {
  file: string;
  /** The label it is listed under when kept. */
  label: string | null;
  error: string | null;
}

export interface LibraryState {
  /** Whether IndexedDB has been read at least once. */
  loaded: boolean;
  /** Newest first. */
  promptSets: StoredPromptSet[];
  runs: StoredRun[];
  loadError: string | null;
  importing: boolean;
  lastImport: ImportOutcome[];
  /** Why the last export or delete failed. */
  actionError: string | null;
  /** Nearest words by prompt set id, for the sets whose words are open. */
  words: Record<string, ContextWordsState>;
}

/** A file made for the user to take away: the panel hands it to the browser's downloads. */
export interface ExportedFile {
  blob: Blob;
  name: string;
}

export interface LibrarySlice {
  library: LibraryState;
  /** Reads the prompt sets and runs from IndexedDB again: other panels store theirs there. */
  loadLibrary(): Promise<void>;
  /** Each file is checked by the engine against the loaded model; a refused file changes nothing stored. */
  importPromptSets(files: readonly File[]): Promise<void>;
  deletePromptSet(id: string): Promise<void>;
  /** The set as a file for the page to save; null if it is gone. */
  exportPromptSetJson(id: string): ExportedFile | null;
  /** The set as .safetensors for the page to save; null if it is gone or could not be made (actionError says why). */
  exportPromptSetSafetensors(id: string): Promise<ExportedFile | null>;
  /** Shows the set's nearest words (computed once), or hides them. */
  toggleNearestWords(id: string): Promise<void>;
}

const newestFirst = <T extends { createdAt: number }>(records: T[]) =>
  records.sort((a, b) => b.createdAt - a.createdAt);

export const createLibrarySlice: StateCreator<StudioState, [], [], LibrarySlice> = (set, get) => {
  const update = (change: Partial<LibraryState>) => set({ library: { ...get().library, ...change } });
  const find = (id: string) => get().library.promptSets.find((p) => p.id === id);

  async function importOne(file: File): Promise<ImportOutcome> {
    let record: StoredPromptSet;
    try {
      const json = await file.text();
      const summary = await engineClient().call((api) => api.checkPromptSet(json));
      record = { ...summary, id: crypto.randomUUID(), runId: null, json };
    } catch (error) {
      return { file: file.name, label: null, error: messageOf(error) };
    }
    try {
      await put('promptSets', record, `saving ${file.name}`);
    } catch (error) {
      return { file: file.name, label: null, error: messageOf(error) };
    }
    update({ promptSets: newestFirst([record, ...get().library.promptSets]) });
    return { file: file.name, label: record.label, error: null };
  }

  return {
    library: {
      loaded: false,
      promptSets: [],
      runs: [],
      loadError: null,
      importing: false,
      lastImport: [],
      actionError: null,
      words: {},
    },

    async loadLibrary() {
      try {
        const [promptSets, runs] = await Promise.all([
          getAll<StoredPromptSet>('promptSets'),
          getAll<StoredRun>('runs'),
        ]);
        update({
          loaded: true,
          promptSets: newestFirst(promptSets),
          runs: newestFirst(runs),
          loadError: null,
        });
      } catch (error) {
        update({ loaded: true, loadError: messageOf(error) });
      }
    },

    async importPromptSets(files) {
      if (get().library.importing || files.length === 0) return;
      update({ importing: true, lastImport: [] });
      const outcomes: ImportOutcome[] = [];
      for (const file of files) outcomes.push(await importOne(file));
      update({ importing: false, lastImport: outcomes });
    },

    async deletePromptSet(id) {
      const record = find(id);
      if (!record) return;
      try {
        await deleteAll({ promptSets: [id] }, `deleting ${record.label}`);
      } catch (error) {
        update({ actionError: messageOf(error) });
        return;
      }
      const { [id]: _, ...words } = get().library.words;
      update({ promptSets: get().library.promptSets.filter((p) => p.id !== id), words, actionError: null });
    },

    exportPromptSetJson(id) {
      const record = find(id);
      if (!record) return null;
      return {
        blob: new Blob([record.json], { type: 'application/json' }),
        name: `${fileStem(record.label)}.json`,
      };
    },

    async exportPromptSetSafetensors(id) {
      const record = find(id);
      if (!record) return null;
      try {
        const bytes = await engineClient().call((api) => api.safetensorsFor(record.json));
        update({ actionError: null });
        return {
          blob: new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
          name: `${fileStem(record.label)}.safetensors`,
        };
      } catch (error) {
        update({ actionError: `${record.label} could not be exported: ${messageOf(error)}` });
        return null;
      }
    },

    async toggleNearestWords(id) {
      const record = find(id);
      const open = get().library.words[id];
      if (!record) return;
      if (open) {
        if (open.loading) return;
        const { [id]: _, ...rest } = get().library.words;
        update({ words: rest });
        return;
      }
      const setWords = (state: ContextWordsState) =>
        update({ words: { ...get().library.words, [id]: state } });
      setWords({ loading: true, contexts: null, error: null });
      try {
        const contexts = await engineClient().call((api) => api.nearestWords(record.json, NEAREST_WORDS));
        setWords({ loading: false, contexts, error: null });
      } catch (error) {
        setWords({ loading: false, contexts: null, error: messageOf(error) });
      }
    },
  };
};
