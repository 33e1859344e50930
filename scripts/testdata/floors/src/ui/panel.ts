export const PANEL_WIDTH = 2;
