import type { StateCreator } from 'zustand';
import { messageOf } from '../common/message-of';
import { requestPersistentStorage, type StorageStatus, storageUsage } from '../persistence/storage-status';
import type { StudioState } from './studio-store';

export interface StorageState extends StorageStatus {
  /** False until the browser has answered. */
  known: boolean;
  /** Why the browser could not say (the studio still works; only the figures are missing). */
  error: string | null;
}

export interface StorageSlice {
  storage: StorageState;
  /** Asks for persistent storage once, at startup; later calls do nothing. */
  startStorage(): Promise<void>;
  /** Re-reads the usage: call it after writing to or deleting from the studio database. */
  refreshStorage(): Promise<void>;
}

export const createStorageSlice: StateCreator<StudioState, [], [], StorageSlice> = (set, get) => {
  const update = (change: Partial<StorageState>) => set({ storage: { ...get().storage, ...change } });
  let started = false;

  return {
    storage: { known: false, persisted: null, usageBytes: null, quotaBytes: null, error: null },

    async startStorage() {
      if (started) return;
      started = true;
      try {
        update({ ...(await requestPersistentStorage()), known: true, error: null });
      } catch (error) {
        update({ known: true, error: messageOf(error) });
      }
    },

    async refreshStorage() {
      try {
        update({ ...(await storageUsage()), known: true, error: null });
      } catch (error) {
        update({ error: messageOf(error) });
      }
    },
  };
};
