/**
 * The value axes of the panel's charts: three ticks at any range, labelled apart. uPlot's own (at least 16 pixels
 * apart on a value axis about 40 pixels long) could leave a single tick, or several with the same label.
 */
import { formatValue } from '../../model/format.ts';

export interface AxisScale {
  /** The axis's range: the data's, or wider to hold three ticks. */
  readonly lo: number;
  readonly hi: number;
  /** 3 to `maxTicks` (3), a step apart. */
  readonly ticks: readonly number[];
  /** As many digits as tell the ticks apart. */
  readonly labels: readonly string[];
}

/** Steps of 1, 2, 2.5 and 5 times a power of ten, from the smallest that could give `maxTicks` ticks over `range`. */
function* steps(range: number, maxTicks: number): Generator<number> {
  for (let exponent = Math.floor(Math.log10(range / maxTicks)); ; exponent++) {
    for (const m of [1, 2, 2.5, 5]) yield m * 10 ** exponent;
  }
}

/**
 * Ticks for data in [min, max]: the smallest step that puts 3 to `maxTicks` ticks in that range; where no step does,
 * the range widened to the multiples of the smallest step that needs at most `maxTicks`, and by one step more on the
 * side with less room if that leaves two. A single value is widened by a tenth of itself (or by 1 about 0).
 */
export function axisScale(min: number, max: number, maxTicks = 3): AxisScale {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return axisScale(0, 1, maxTicks);
  const pad = min === max ? (min === 0 ? 1 : Math.abs(min) / 10) : 0;
  const [low, high] = [Math.min(min, max) - pad, Math.max(min, max) + pad];
  for (const widen of [false, true]) {
    for (const step of steps(high - low, maxTicks)) {
      // A tolerance of 1e-9 steps: a bound that is a multiple of the step in decimal need not be one in binary.
      let first = widen ? Math.floor(low / step + 1e-9) : Math.ceil(low / step - 1e-9);
      let last = widen ? Math.ceil(high / step - 1e-9) : Math.floor(high / step + 1e-9);
      if (last - first + 1 > maxTicks) continue;
      if (last - first + 1 < 3 && !widen) break;
      if (last - first + 1 < 3) {
        if (low - first * step < last * step - high) first--;
        else last++;
      }
      const ticks = Array.from({ length: last - first + 1 }, (_, i) => (first + i) * step);
      // The digits from the largest tick's first down to the step's last (2.5 has one more than its power of ten).
      const largest = Math.max(Math.abs(first * step), Math.abs(last * step));
      const power = Math.floor(Math.log10(step));
      const lastDigit = Number.isInteger(Number((step / 10 ** power).toPrecision(12))) ? power : power - 1;
      const digits = Math.max(1, Math.floor(Math.log10(largest)) - lastDigit + 1);
      // k and M where they keep the labels short (20k, 1.5M), not where they would need more digits (1000.5).
      const labels = ticks.map((t) => formatValue(t, { digits, compact: digits <= 3 }));
      const [lo, hi] = widen ? [first * step, last * step] : [low, high];
      return { lo, hi, ticks, labels };
    }
  }
  throw new Error('unreachable: the widened range of the first step that fits has its ticks');
}
