import type { StudioState } from './studio-store';

export interface CountSlice {
  count: number;
  read?: (state: StudioState) => number;
}

export const countSlice = (): CountSlice => ({ count: 0 });
