/** Numbers and durations for people (the app's readout and legends, the benchmark's tables). */

/** A number: three significant digits, exponents only where needed. */
export function formatValue(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const magnitude = Math.abs(x);
  return magnitude >= 1e-3 && magnitude < 1e5 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
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
