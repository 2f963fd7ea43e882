/**
 * The papers' measures of one net on given probes, exact in float64 (science.md): regions along segments (ICML
 * 2019: per unit length per neuron, and crossings per unit length, Crofton's estimate of the boundary length per
 * area), the exact regions of a 2-D window, regions / (#neurons^2 / 2) and boundary length per area (NeurIPS 2019),
 * and the distance to the nearest boundary at points (mean and percentiles x #neurons). The study measures random
 * nets at initialization with it (study.ts), training every checkpoint (src/train/measures.ts), each on its probes.
 */
import { type Net, neuronCount } from '../model/net.ts';
import { planeAlong, slicedNet } from '../model/plane.ts';
import { distanceOracle } from './distance.ts';
import { enumerateRegions, type Rect } from './polygons.ts';
import { walkSegment } from './segment.ts';

/** What is measured: the same probes on every net compared. */
export interface Probes {
  /** Segments in input space (end points of inputDim numbers each). */
  readonly lines: readonly (readonly [Float64Array, Float64Array])[];
  /** A 2-D window whose regions are counted exactly (2-input nets), or null. */
  readonly view: Rect | null;
  /** Points where the distance to the boundary is measured: inputDim numbers each, one after the other. */
  readonly points: Float64Array;
}

export interface Measures {
  /** Hidden neurons. */
  readonly neurons: number;
  /** Regions met along each line. */
  readonly lineRegions: number[];
  /** Mean over the lines of regions / length / #neurons. */
  readonly regionsPerLengthPerNeuron: number;
  /** Crossings (breakpoints) of all the lines / their total length / #neurons; pi/2 times it estimates the next. */
  readonly crossingsPerLengthPerNeuron: number;
  /** Exact regions of the view (null without one). */
  readonly viewRegions: number | null;
  readonly regionsOverHalfN2: number | null;
  /** Boundary length / area of the view / #neurons (exact polygons; null without a view). */
  readonly boundaryDensityPerNeuron: number | null;
  readonly meanDistanceTimesNeurons: number;
  /** The distribution of distance x #neurons at the points: its 10th, 25th, 50th, 75th and 90th percentiles. */
  readonly distanceQuantilesTimesNeurons: number[];
  /** Distance to the nearest boundary at each point, in input units. */
  readonly distances: number[];
}

/**
 * Told where a measurement stands, as it goes (a long one takes minutes on a wide net): what it does, how far
 * (`done` of `total`; a count so far when `total` is null).
 */
export type Report = (what: string, done: number, total: number | null) => void;

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

export function measureNet(net: Net, probes: Probes, report: Report = () => {}): Measures {
  const neurons = neuronCount(net);
  const lineRegions: number[] = [];
  let density = 0;
  let crossings = 0;
  let length = 0;
  for (const [i, [p, q]] of probes.lines.entries()) {
    const what = `regions along line ${i + 1} of ${probes.lines.length}`;
    let regions = 0;
    const counted = () => report(what, ++regions, null);
    // A net of d > 2 inputs: the line is walked in the plane through it (u along the line, the net sliced).
    const plane = net.inputDim === 2 ? null : planeAlong(p, q, ['p', 'q']);
    const walk = plane
      ? walkSegment(slicedNet(net, plane), [0, 0], [plane.marks[1]?.u ?? 0, 0], undefined, counted)
      : walkSegment(net, [p[0] ?? 0, p[1] ?? 0], [q[0] ?? 0, q[1] ?? 0], undefined, counted);
    lineRegions.push(walk.regions);
    density += walk.regionsPerUnitLengthPerNeuron / probes.lines.length;
    crossings += walk.breakpoints.length;
    length += walk.length;
  }
  let view: { regions: number; boundaryDensityPerNeuron: number } | null = null;
  if (probes.view && net.inputDim === 2) {
    report('regions in the view', 0, 1);
    view = enumerateRegions(net, probes.view);
  }
  const d = net.inputDim;
  const count = Math.floor(probes.points.length / d);
  const distance = distanceOracle(net);
  const distances: number[] = [];
  for (let i = 0; i < count; i++) {
    report('distances to the boundary', i, count);
    distances.push(distance(probes.points.subarray(i * d, (i + 1) * d)));
  }
  const finite = distances.filter(Number.isFinite);
  const mean = finite.reduce((s, x) => s + x, 0) / Math.max(1, finite.length);
  return {
    neurons,
    lineRegions,
    regionsPerLengthPerNeuron: density,
    crossingsPerLengthPerNeuron: crossings / length / neurons,
    viewRegions: view?.regions ?? null,
    regionsOverHalfN2: view ? view.regions / (neurons ** 2 / 2) : null,
    boundaryDensityPerNeuron: view?.boundaryDensityPerNeuron ?? null,
    meanDistanceTimesNeurons: finite.length > 0 ? mean * neurons : Number.NaN,
    distanceQuantilesTimesNeurons: quantiles(finite, kQuantiles).map((x) => x * neurons),
    distances,
  };
}
