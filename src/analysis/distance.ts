/**
 * Distance statistics: the distance from a uniform random point to the boundary of its region, d(x) = min over
 * neurons of |z(x)| / ||grad z(x)|| (science.md). Hanin & Rolnick's corollary bounds E[d] below by c / #neurons, so
 * mean x neurons is the number to compare across widths and depths.
 */
import { balanceNet } from '../model/balance.ts';
import { ForwardPass } from '../model/forward.ts';
import { depthOf, type Graph, isGraph, type Network, stageWidths } from '../model/graph/graph.ts';
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
  /** Hidden neurons of the first `layers` layers (a graph: the units of its first `layers` stages). */
  readonly neurons: number;
}

/**
 * d(x) of any network, the first `layers` layers (a graph: stages) only. An MLP as below; a graph of 2 inputs (a graph
 * seen through its plane) by pointOracle's distance (relu / leaky relu units |z| / ||grad z||, max-pool windows the
 * gap to each other candidate over the gradient of the gap).
 */
export function distanceOracle(network: Network, layers = depthOf(network)): (x: ArrayLike<number>) => number {
  return isGraph(network) ? graphDistanceOracle(network, layers) : mlpDistanceOracle(network, layers);
}

/** pointOracle's distance of a graph of 2 inputs (its tangents are x and y). */
function graphDistanceOracle(graph: Graph, layers: number): (x: ArrayLike<number>) => number {
  if (graph.inputDim !== 2) {
    throw new Error(
      `distances to the boundary of a graph are measured in a plane (a graph of 2 inputs); this one has ${graph.inputDim}`,
    );
  }
  const oracle = pointOracle(graph, layers);
  return (x) => oracle(x[0] ?? 0, x[1] ?? 0).distance;
}

/**
 * d(x) of a net of d inputs, the first `layers` hidden layers only, at any point (d numbers): min over their neurons
 * of |z(x)| / ||grad_x z(x)||, the gradient by the forward pass with one tangent per input direction (forward.ts),
 * on the balanced net (the same distances, exactly, for weights anywhere in float64's range). Every gradient lies in
 * the row space of the first layer's weights, so for d inputs and a first layer of r < d neurons the tangents run
 * along an orthonormal basis Q of that space instead (u = Q x folded into the first layer): the same norms with r
 * tangents, not d (MNIST, 784 inputs, 64 neurons: 12 times fewer). Made once per net, called per point.
 */
function mlpDistanceOracle(net: Net, layers: number): (x: ArrayLike<number>) => number {
  const d = net.inputDim;
  const balanced = balanceNet(net).net;
  const first = balanced.hidden[0];
  const basis = first && first.outDim < d ? rowBasis(first.weight, first.outDim, d) : null;
  const folded = basis ? foldBasis(balanced, basis) : balanced;
  const r = folded.inputDim;
  const pass = new ForwardPass(folded, r);
  const axes = Array.from({ length: r }, (_, i) => Float64Array.from({ length: r }, (_, j) => (i === j ? 1 : 0)));
  const u = new Float64Array(r);
  const shown = Math.max(0, Math.min(layers, net.hidden.length));
  return (x) => {
    if (basis) {
      for (let i = 0; i < r; i++) {
        let sum = 0;
        for (let k = 0; k < d; k++) sum += (basis[i * d + k] ?? 0) * (x[k] ?? 0);
        u[i] = sum;
      }
    } else {
      u.set(x);
    }
    pass.run(u, axes);
    let best = Number.POSITIVE_INFINITY;
    for (let l = 0; l < shown; l++) {
      const z = pass.layers[l]?.z;
      if (!z) continue;
      for (let n = 0; n < z.value.length; n++) {
        let g2 = 0;
        for (const tangent of z.tangents) g2 += (tangent[n] ?? 0) ** 2;
        if (g2 > 0) best = Math.min(best, Math.abs(z.value[n] ?? 0) / Math.sqrt(g2));
      }
    }
    return best;
  };
}

/**
 * An orthonormal basis (rows, d numbers each) of the row space of the n x d matrix W: modified Gram-Schmidt, each
 * row orthogonalized twice (enough in float64), rows that add no direction left out.
 */
function rowBasis(weight: Float64Array, n: number, d: number): Float64Array {
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = weight.slice(i * d, (i + 1) * d);
    const norm0 = norm(v);
    for (let pass = 0; pass < 2; pass++) {
      for (const q of rows) {
        let dot = 0;
        for (let k = 0; k < d; k++) dot += (q[k] ?? 0) * (v[k] ?? 0);
        for (let k = 0; k < d; k++) v[k] = (v[k] ?? 0) - dot * (q[k] ?? 0);
      }
    }
    const length = norm(v);
    if (!(length > 1e-12 * norm0)) continue;
    for (let k = 0; k < d; k++) v[k] = (v[k] ?? 0) / length;
    rows.push(v);
  }
  const basis = new Float64Array(rows.length * d);
  rows.forEach((q, i) => {
    basis.set(q, i * d);
  });
  return basis;
}

function norm(v: Float64Array): number {
  let sum = 0;
  for (const x of v) sum += x * x;
  return Math.sqrt(sum);
}

/** The net of u = Q x: the first layer's weights W Q^T (r inputs), every other layer as it is. */
function foldBasis(net: Net, basis: Float64Array): Net {
  const d = net.inputDim;
  const r = basis.length / d;
  const [first, ...rest] = net.hidden;
  if (!first) return net;
  const weight = new Float64Array(first.outDim * r);
  for (let n = 0; n < first.outDim; n++) {
    for (let i = 0; i < r; i++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += (first.weight[n * d + k] ?? 0) * (basis[i * d + k] ?? 0);
      weight[n * r + i] = sum;
    }
  }
  return {
    inputDim: r,
    hidden: [{ inDim: r, outDim: first.outDim, weight, bias: first.bias }, ...rest],
    output: net.output,
  };
}

/**
 * d(x) at `samples` points uniform in `rect` (seeded: x then y from Random(seed)), the first `layers` layers (a graph:
 * stages) only, of any network of 2 inputs.
 */
export function sampleDistances(
  network: Network,
  rect: Rect,
  samples: number,
  seed: number,
  layers = depthOf(network),
): DistanceSample {
  const distance = distanceOracle(network, layers);
  const points = uniformPoints(rect, samples, seed);
  const distances = Float64Array.from({ length: samples }, (_, i) => distance(points.subarray(2 * i, 2 * i + 2)));
  let sum = 0;
  let finite = 0;
  for (const d of distances) {
    if (!Number.isFinite(d)) continue;
    sum += d;
    finite++;
  }
  const neurons = stageWidths(network)
    .slice(0, Math.max(0, layers))
    .reduce((sum, width) => sum + width, 0);
  const mean = finite > 0 ? sum / finite : Number.NaN;
  return { distances, mean, meanTimesNeurons: mean * neurons, neurons };
}

/** `samples` points uniform in `rect`, seeded: x then y from Random(seed), as (x, y) pairs one after the other. */
export function uniformPoints(rect: Rect, samples: number, seed: number): Float64Array {
  const rng = new Random(seed);
  const points = new Float64Array(2 * samples);
  for (let i = 0; i < samples; i++) {
    points[2 * i] = rect.x0 + (rect.x1 - rect.x0) * rng.uniform();
    points[2 * i + 1] = rect.y0 + (rect.y1 - rect.y0) * rng.uniform();
  }
  return points;
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
