import { create } from 'zustand';
import type { EngineDescription } from '../../workers/engine.worker';
import { messageOf } from '../common/message-of';
import type { SelfTestReport } from '../engine/check/self-test';
import { engineClient, onEngineWorkerLost } from '../worker-client/engine-client';
import { createLibrarySlice, type LibrarySlice } from './library-slice';
import { createModelSlice, type ModelSlice } from './model-slice';
import { createPredictSlice, type PredictSlice } from './predict-slice';
import { createStorageSlice, type StorageSlice } from './storage-slice';
import { createTasksSlice, type TasksSlice } from './tasks-slice';
import { createTrainingSlice, type TrainingSlice } from './training-slice';
import { createTransferSlice, type TransferSlice } from './transfer-slice';
import { createZeroShotSlice, type ZeroShotSlice } from './zero-shot-slice';

export type EngineStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface SelfTestState {
  running: boolean;
  /** Also check the CPU reference's backward against finite differences (CPU only, adds a few seconds). */
  finiteDifferences: boolean;
  report: SelfTestReport | null;
  error: string | null;
}

export interface StudioState
  extends ModelSlice,
    ZeroShotSlice,
    LibrarySlice,
    PredictSlice,
    TasksSlice,
    StorageSlice,
    TransferSlice,
    TrainingSlice {
  engineStatus: EngineStatus;
  /** The backend the worker opened: the WebGPU adapter and its limits, or why it fell back to the CPU. */
  engine: EngineDescription | null;
  engineError: string | null;
  selfTest: SelfTestState;
  /** Opens the engine once; later calls do nothing. */
  startEngine(): Promise<void>;
  runSelfTest(): Promise<void>;
  setFiniteDifferences(enabled: boolean): void;
}

export const useStudioStore = create<StudioState>()((set, get, store) => ({
  ...createModelSlice(set, get, store),
  ...createZeroShotSlice(set, get, store),
  ...createLibrarySlice(set, get, store),
  ...createPredictSlice(set, get, store),
  ...createTasksSlice(set, get, store),
  ...createStorageSlice(set, get, store),
  ...createTransferSlice(set, get, store),
  ...createTrainingSlice(set, get, store),
  engineStatus: 'idle',
  engine: null,
  engineError: null,
  selfTest: { running: false, finiteDifferences: false, report: null, error: null },

  async startEngine() {
    if (get().engineStatus !== 'idle') return;
    set({ engineStatus: 'loading', engineError: null });
    try {
      const engine = await engineClient().call<EngineDescription>((api) => api.describe());
      set({ engineStatus: 'ready', engine });
    } catch (error) {
      set({ engineStatus: 'error', engineError: messageOf(error) });
    }
  },

  async runSelfTest() {
    const { engineStatus, selfTest } = get();
    if (engineStatus !== 'ready' || selfTest.running) return;
    set({ selfTest: { ...selfTest, running: true, error: null } });
    const options = { finiteDifferences: selfTest.finiteDifferences };
    try {
      const report = await engineClient().call((api) => api.selfTest(options));
      set({ selfTest: { ...get().selfTest, running: false, report } });
    } catch (error) {
      set({ selfTest: { ...get().selfTest, running: false, error: messageOf(error) } });
    }
  },

  setFiniteDifferences(enabled) {
    set({ selfTest: { ...get().selfTest, finiteDifferences: enabled } });
  },
}));

// A worker that dies takes the model and any training with it: the page says so, and a fresh worker
// loads the model again (a training session's calls fail on their own and list it as interrupted).
onEngineWorkerLost((error) => {
  const { startEngine, reloadModel } = useStudioStore.getState();
  useStudioStore.setState({
    engineStatus: 'idle',
    engine: null,
    selfTest: { ...useStudioStore.getState().selfTest, running: false },
  });
  void startEngine();
  void reloadModel(`${error.message}. It has been restarted and the model is loading again.`);
});
