/**
 * The papers' measures of a net during training, exact in float64 (the existing analysis): regions per unit length
 * per neuron along fixed lines (ICML 2019; for MNIST lines between pairs of test images), the regions of a 2-D view
 * and regions / (#neurons^2 / 2) (NeurIPS 2019), and the distance to the nearest boundary at the test points
 * (mean x #neurons), in input space whatever its dimension.
 */
import { enumerateRegions, type Rect } from '../analysis/polygons.ts';
import { walkSegment } from '../analysis/segment.ts';
import { type Net, neuronCount } from '../model/net.ts';
import { planeAlong, slicedNet } from '../model/plane.ts';
import { Random } from '../model/random.ts';
import { type Dataset, permutation } from './datasets.ts';

/** What is measured on every checkpoint: the same lines, view and points, so that checkpoints compare. */
export interface Probes {
  /** Segments in input space (endpoint pairs of inputDim numbers). */
  readonly lines: readonly (readonly [Float64Array, Float64Array])[];
  /** A 2-D view whose regions are counted exactly (2-input nets), or null. */
  readonly view: Rect | null;
  /** Indices of the test points where the distance to the boundary is measured. */
  readonly points: Int32Array;
}

export interface Measures {
  /** Mean over the lines of regions / length / #neurons. */
  readonly regionsPerLengthPerNeuron: number;
  readonly lineRegions: number[];
  /** Exact regions of the view (null without a view, or for a net too large to enumerate at every checkpoint). */
  readonly viewRegions: number | null;
  readonly regionsOverHalfN2: number | null;
  readonly meanDistanceTimesNeurons: number;
  /** The distribution of distance x #neurons at the points: its 10th, 25th, 50th, 75th and 90th percentiles. */
  readonly distanceQuantilesTimesNeurons: number[];
  /** Distance to the nearest boundary at each probe point, in input units. */
  readonly distances: number[];
}

/** The 2-D view of the synthetic sets: they lie in about [-1.2, 1.2]^2. */
export const kTrainingView: Rect = { x0: -1.5, y0: -1.5, x1: 1.5, y1: 1.5 };
/** Nets above this many neurons get no exact view count at checkpoints (it grows as neurons^2). */
const kMaxViewNeurons = 512;
const kQuantiles = [0.1, 0.25, 0.5, 0.75, 0.9];

/** The q-quantiles of `values` (linear interpolation between order statistics); NaN for none. */
function quantiles(values: readonly number[], qs: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return qs.map((q) => {
    if (sorted.length === 0) return Number.NaN;
    const at = q * (sorted.length - 1);
    const [lo, hi] = [sorted[Math.floor(at)] ?? 0, sorted[Math.ceil(at)] ?? 0];
    return lo + (hi - lo) * (at - Math.floor(at));
  });
}

/** Nets above this many neurons are measured on two of the lines and at 100 of the points. */
const kManyNeurons = 1024;
/** Test points where distances are measured (each costs a forward pass with one tangent per input). */
const kDistancePoints = { planar: 400, wide: 100 } as const;

/** Lines and points of a data set, seeded: 2-D: 8 random chords of the view's circle; else 10 test-image pairs. */
export function defaultProbes(data: Dataset, seed: number): Probes {
  const rng = new Random(seed);
  const d = data.inputDim;
  const order = permutation(data.test.count, rng);
  const point = (i: number) => data.test.x.slice(i * d, (i + 1) * d);
  let lines: [Float64Array, Float64Array][];
  if (d === 2) {
    lines = Array.from({ length: 8 }, () => {
      const [a, b] = [2 * Math.PI * rng.uniform(), 2 * Math.PI * rng.uniform()];
      return [
        Float64Array.of(1.5 * Math.cos(a), 1.5 * Math.sin(a)),
        Float64Array.of(1.5 * Math.cos(b), 1.5 * Math.sin(b)),
      ];
    });
  } else {
    lines = Array.from({ length: Math.min(10, Math.floor(data.test.count / 2)) }, (_, i) => [
      point(order[2 * i] ?? 0),
      point(order[2 * i + 1] ?? 0),
    ]);
  }
  const count = Math.min(data.test.count, d === 2 ? kDistancePoints.planar : kDistancePoints.wide);
  return { lines, view: d === 2 ? kTrainingView : null, points: order.slice(0, count) };
}

/**
 * min over neurons of |z| / ||grad_x z|| at x, with the full input-space gradient: the Jacobian of each layer's z,
 * J_1 = W_1 and J_l = W_l D_{l-1} J_{l-1} (D the active neurons), row-major, only active rows carried.
 */
function distanceAt(net: Net, x: Float64Array): number {
  const d = net.inputDim;
  let best = Number.POSITIVE_INFINITY;
  let h: Float64Array = x;
  let jacobian: Float64Array | null = null;
  for (const [l, layer] of net.hidden.entries()) {
    const { inDim, outDim, weight, bias } = layer;
    const z = new Float64Array(outDim);
    const next = new Float64Array(outDim * d);
    for (let n = 0; n < outDim; n++) {
      let sum = bias[n] ?? 0;
      const row = next.subarray(n * d, (n + 1) * d);
      for (let k = 0; k < inDim; k++) {
        const w = weight[n * inDim + k] ?? 0;
        const v = h[k] ?? 0;
        if (l === 0) {
          sum += w * v;
          row[k] = w;
        } else if (v > 0 && jacobian) {
          sum += w * v;
          const below = jacobian.subarray(k * d, (k + 1) * d);
          for (let i = 0; i < d; i++) row[i] = (row[i] ?? 0) + w * (below[i] ?? 0);
        }
      }
      z[n] = sum;
      let g2 = 0;
      for (let i = 0; i < d; i++) g2 += (row[i] ?? 0) ** 2;
      if (g2 > 0) best = Math.min(best, Math.abs(sum) / Math.sqrt(g2));
    }
    h = z;
    jacobian = next;
  }
  return best;
}

export function measureNet(net: Net, data: Dataset, probes: Probes): Measures {
  const neurons = neuronCount(net);
  const lineRegions: number[] = [];
  let density = 0;
  // A walk costs about a forward pass per region crossed, and regions grow with the neurons: past kManyNeurons
  // the first two lines only, so that a checkpoint of a 4 x 1024 net takes seconds, not half a minute.
  const lines = neurons > kManyNeurons ? probes.lines.slice(0, 2) : probes.lines;
  for (const [p, q] of lines) {
    const plane = net.inputDim === 2 ? null : planeAlong(p, q, ['p', 'q']);
    const walk = plane
      ? walkSegment(slicedNet(net, plane), [0, 0], [plane.marks[1]?.u ?? 0, 0])
      : walkSegment(net, [p[0] ?? 0, p[1] ?? 0], [q[0] ?? 0, q[1] ?? 0]);
    lineRegions.push(walk.regions);
    density += walk.regionsPerUnitLengthPerNeuron / lines.length;
  }
  const viewRegions =
    probes.view && net.inputDim === 2 && neurons <= kMaxViewNeurons ? enumerateRegions(net, probes.view).regions : null;
  const d = net.inputDim;
  const points = neurons > kManyNeurons ? probes.points.subarray(0, kDistancePoints.wide) : probes.points;
  const distances = Array.from(points, (i) => distanceAt(net, data.test.x.subarray(i * d, (i + 1) * d)));
  const finite = distances.filter(Number.isFinite);
  const mean = finite.reduce((s, x) => s + x, 0) / Math.max(1, finite.length);
  return {
    regionsPerLengthPerNeuron: density,
    lineRegions,
    viewRegions,
    regionsOverHalfN2: viewRegions === null ? null : viewRegions / (neurons ** 2 / 2),
    meanDistanceTimesNeurons: finite.length > 0 ? mean * neurons : Number.NaN,
    distanceQuantilesTimesNeurons: quantiles(finite, kQuantiles).map((q) => q * neurons),
    distances,
  };
}
