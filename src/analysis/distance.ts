/**
 * Distance statistics: the distance from a uniform random point to the boundary of its region, d(x) = min over
 * neurons of |z(x)| / ||grad z(x)|| (science.md). Hanin & Rolnick's corollary bounds E[d] below by c / #neurons, so
 * mean x neurons is the number to compare across widths and depths.
 */
import { balanceNet } from '../model/balance.ts';
import type { Net } from '../model/net.ts';
import { pointOracle } from '../model/oracle.ts';
import { Random } from '../model/random.ts';
import type { Rect } from './polygons.ts';

export interface DistanceSample {
  /** d(x) at each sample, in input units (Infinity where no neuron has a line: a net without any). */
  readonly distances: Float64Array;
  /** Mean of the finite distances (NaN when there is none). */
  readonly mean: number;
  readonly meanTimesNeurons: number;
  /** Hidden neurons of the first `layers` layers. */
  readonly neurons: number;
}

/** d(x) by the float64 oracle at `samples` points uniform in `rect` (seeded), the first `layers` layers only. */
export function sampleDistances(
  net: Net,
  rect: Rect,
  samples: number,
  seed: number,
  layers = net.hidden.length,
): DistanceSample {
  const rng = new Random(seed);
  // Distances are the same on the balanced net (exactly), which float64 carries through any depth.
  const oracle = pointOracle(balanceNet(net).net, layers);
  const distances = new Float64Array(samples);
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < samples; i++) {
    const x = rect.x0 + (rect.x1 - rect.x0) * rng.uniform();
    const y = rect.y0 + (rect.y1 - rect.y0) * rng.uniform();
    const d = oracle(x, y).distance;
    distances[i] = d;
    if (Number.isFinite(d)) {
      sum += d;
      finite++;
    }
  }
  const shown = Math.max(0, Math.min(layers, net.hidden.length));
  const neurons = net.hidden.slice(0, shown).reduce((sum, layer) => sum + layer.outDim, 0);
  const mean = finite > 0 ? sum / finite : Number.NaN;
  return { distances, mean, meanTimesNeurons: mean * neurons, neurons };
}

export interface Histogram {
  /** bins + 1 edges from 0 to the range's top. */
  readonly edges: number[];
  /** Finite values per bin; the last bin also holds every value above the top, the first every value below 0. */
  readonly counts: number[];
  /** How many of the last bin's values lie above the top edge (clamped into it). */
  readonly above: number;
}

/**
 * Histogram of the finite values over [0, max] in `bins` equal bins. Without `max` the top is the 99th percentile of
 * the finite values, so a few far outliers do not squash the plot; values above the top are counted in the last bin
 * (and in `above`), values below 0 in the first, so the counts sum to the number of finite values. Non-finite values
 * are left out. A top that is not positive (all values 0, or none) becomes 1.
 */
export function histogram(values: ArrayLike<number>, bins: number, max?: number): Histogram {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== undefined && Number.isFinite(v)) finite.push(v);
  }
  const top = max ?? percentile(finite, 0.99);
  const range = top > 0 && Number.isFinite(top) ? top : 1;
  const n = Math.max(1, Math.floor(bins));
  const counts = new Array<number>(n).fill(0);
  let above = 0;
  for (const v of finite) {
    if (v > range) above++;
    const bin = Math.min(n - 1, Math.max(0, Math.floor((v / range) * n)));
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  const edges = Array.from({ length: n + 1 }, (_, i) => (i * range) / n);
  return { edges, counts, above };
}

/** The q-quantile by the nearest-rank rule (0 for no values). */
function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}
