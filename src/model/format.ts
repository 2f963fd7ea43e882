/** Numbers, durations and tables for people and files (the readouts, panels, legends, axes and the commands' tables). */

export interface ValueFormat {
  /** Significant digits (3). */
  readonly digits?: number;
  /** Thousands and millions as k and M, for axis labels too narrow for exponents (200k, 1.5M). */
  readonly compact?: boolean;
}

/**
 * A number: `digits` significant digits without trailing zeros, in exponent form outside [1e-3, 1e5) (or, compact,
 * outside [1e-3, 1e3) with k and M up to 1e9).
 */
export function formatValue(x: number, { digits = 3, compact = false }: ValueFormat = {}): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  const plain = (v: number): string => String(Number(v.toPrecision(digits)));
  if (compact && magnitude >= 1e6 && magnitude < 1e9) return `${plain(x / 1e6)}M`;
  if (compact && magnitude >= 1e3 && magnitude < 1e6) return `${plain(x / 1e3)}k`;
  if (magnitude >= 1e-3 && magnitude < 1e5) return plain(x);
  const [mantissa, exponent] = x.toExponential(digits - 1).split('e');
  return `${Number(mantissa)}e${exponent}`;
}

/** An ordinal for people: 1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, ..., 21st, 32nd, 256th. */
export function ordinal(n: number): string {
  const teen = Math.floor(n / 10) % 10 === 1;
  const suffix = teen ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** A duration for people: 0.4 s, 12 s, 3.2 min, 5.1 h, 140 h. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'unknown';
  const [value, unit] = ms < 60_000 ? [ms / 1000, 's'] : ms < 3_600_000 ? [ms / 60_000, 'min'] : [ms / 3_600_000, 'h'];
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** `n` and the noun, singular for 1: "1 file", "3 files" (`plural` where adding "s" is wrong). */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A cell of a CSV file: a list as its items joined by ';', a number in full (empty if not finite), none empty. */
function csvCell(value: unknown): string {
  if (Array.isArray(value)) return value.join(';');
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return value === null || value === undefined ? '' : String(value);
}

/** A CSV file: the header, then a line a row, each line ended by '\n' (the commands' study.csv and metrics.csv). */
export function csvText(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((cells) => `${cells.map(csvCell).join(',')}\n`).join('');
}
