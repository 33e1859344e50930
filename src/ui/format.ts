/** Numbers as the panels show them. */

/** An error or difference: 1.3e-7, or 0. */
export function formatError(value: number): string {
  return value === 0 ? '0' : value.toExponential(1);
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let unit = 0;
  let scaled = bytes;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${Number.isInteger(scaled) ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

/** A fraction as a percentage with one decimal: 0.675 → "67.5%". */
export function percent(fraction: number): string {
  return `${(100 * fraction).toFixed(1)}%`;
}

/** Seconds as "42 s", "3 min 05 s" or "1 h 02 min". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Text ending in one full stop: a message that brings its own is not given a second ("changed.."). */
export function asSentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?…]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** A message shown as a sentence of its own: "the class name…" → "The class name…". */
export function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
