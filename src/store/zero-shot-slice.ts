import { proxy } from 'comlink';
import type { StateCreator } from 'zustand';
import type { ZeroShotRequest, ZeroShotResult, ZeroShotRuntime } from '../../workers/clip-api';
import { DEFAULT_TEMPLATE } from '../clip/zero-shot';
import { messageOf } from '../common/message-of';
import type { TaskInfo } from '../tasks/task-index';
import type { ZeroShotProgress } from '../tasks/zero-shot-task';
import { engineClient } from '../worker-client/engine-client';
import type { StudioState } from './studio-store';

export interface ZeroShotState {
  /** The shipped task packs; null until fetched. */
  tasks: TaskInfo[] | null;
  tasksError: string | null;
  task: string;
  template: string;
  runtime: ZeroShotRuntime;
  running: boolean;
  progress: ZeroShotProgress | null;
  result: ZeroShotResult | null;
  error: string | null;
}

export interface ZeroShotSlice {
  zeroShot: ZeroShotState;
  loadZeroShotTasks(): Promise<void>;
  setZeroShotOptions(options: Partial<ZeroShotRequest>): void;
  runZeroShot(): Promise<void>;
}

export const createZeroShotSlice: StateCreator<StudioState, [], [], ZeroShotSlice> = (set, get) => {
  const update = (change: Partial<ZeroShotState>) => set({ zeroShot: { ...get().zeroShot, ...change } });

  return {
    zeroShot: {
      tasks: null,
      tasksError: null,
      task: '',
      template: DEFAULT_TEMPLATE,
      runtime: 'engine',
      running: false,
      progress: null,
      result: null,
      error: null,
    },

    async loadZeroShotTasks() {
      if (get().zeroShot.tasks) return;
      try {
        const tasks = await engineClient().call((api) => api.zeroShotTasks());
        update({ tasks, tasksError: null, task: get().zeroShot.task || (tasks[0]?.name ?? '') });
      } catch (error) {
        update({ tasksError: messageOf(error) });
      }
    },

    setZeroShotOptions(options) {
      update(options);
    },

    async runZeroShot() {
      const { running, task, template, runtime } = get().zeroShot;
      if (running || !task) return;
      update({ running: true, progress: null, error: null });
      // The Model panel shows onnxruntime-web starting; the zero-shot call below waits for the same start.
      if (runtime === 'onnxruntime') void get().startOnnxruntime();
      const onProgress = (progress: ZeroShotProgress) => update({ progress });
      try {
        const result = await engineClient().call((api) =>
          api.zeroShot({ task, template, runtime }, proxy(onProgress)),
        );
        update({ running: false, progress: null, result });
      } catch (error) {
        update({ running: false, progress: null, error: messageOf(error) });
      }
    },
  };
};
