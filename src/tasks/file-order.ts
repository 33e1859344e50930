/** The order every listing of a task's files uses, in Node and the browser alike: code units, no locale. */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
