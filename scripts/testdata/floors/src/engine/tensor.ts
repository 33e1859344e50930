// Planted: the engine, the lowest floor, imports the UI.
import { PANEL_WIDTH } from '../ui/panel';

export const TENSOR_WIDTH = PANEL_WIDTH + 1;
