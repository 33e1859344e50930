// zustand's slice pattern: the store assembles its slices, each slice names the whole state's type.
import { type CountSlice, countSlice } from './count-slice';

export type StudioState = CountSlice;

export const initialState: StudioState = countSlice();
