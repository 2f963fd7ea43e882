/**
 * The float64 reference ("oracle"): what is right for any point, decided without a GPU. The forward pass
 * (forward.ts) carries h, dh/dx, dh/dy through the layers; ReLU masks value and tangents alike.
 */
import { ForwardPass } from './forward.ts';
import { finalizeHash, neuronKey } from './hash.ts';
import type { Net } from './net.ts';
import { type Plane, planePoint } from './plane.ts';

export interface PointFields {
  /** 64-bit pattern hash of the first `layers` hidden layers, as (lo, hi). */
  readonly hash: [number, number];
  /** Gradient-normalized distance to the nearest neuron boundary, in input units; Infinity if no neuron has a line. */
  readonly distance: number;
  /** 1-based hidden layer of the neuron that attains the distance; 0 when there is none. */
  readonly nearestLayer: number;
  /** The distance to the nearest boundary of each of the first `layers` layers' neurons (Infinity: none). */
  readonly layerDistances: number[];
  /** Active (z > 0) flags of every neuron of the first `layers` layers, layer by layer. */
  readonly pattern: Uint8Array;
  /** The network output: unit `unit` of pointOracle (the sum of the last hidden layer when the net has no output). */
  readonly output: number;
  readonly outputGradient: [number, number];
  /** Every output unit (one for a net without an output layer). */
  readonly outputs: number[];
  /** The decision mode's class, its distance to the decision boundary and its margin (see `decide`). */
  readonly decision: Decision;
}

/**
 * The decision mode at a point: the class is the argmax of the output units (ties: the lowest index, as numpy's and
 * PyTorch's argmax); a net of one unit has two classes, 0 where the output is <= 0 and 1 where it is > 0 (the unit
 * against a constant 0). On the point's region every unit is affine, so the class's cell there is convex and its
 * boundary lies on the lines o_class = o_j: `distance` (input units, Infinity when no line) is the least
 * (o_class - o_j) / ||grad (o_class - o_j)|| over j != class, exactly the distance to the decision boundary within the
 * region. `margin` is o_class less the runner-up (how far from a tie the argmax is).
 */
export interface Decision {
  readonly predicted: number;
  readonly distance: number;
  readonly margin: number;
}

/** The decision of output values `o` with gradients (gx, gy) (see Decision). */
export function decide(o: ArrayLike<number>, gx: ArrayLike<number>, gy: ArrayLike<number>): Decision {
  const one = o.length === 1;
  const value = (k: number): number => (one ? (k === 0 ? 0 : (o[0] ?? 0)) : (o[k] ?? 0));
  const gradX = (k: number): number => (one ? (k === 0 ? 0 : (gx[0] ?? 0)) : (gx[k] ?? 0));
  const gradY = (k: number): number => (one ? (k === 0 ? 0 : (gy[0] ?? 0)) : (gy[k] ?? 0));
  const classes = Math.max(2, o.length);
  let best = 0;
  for (let k = 1; k < classes; k++) if (value(k) > value(best)) best = k;
  let distance = Number.POSITIVE_INFINITY;
  let margin = Number.POSITIVE_INFINITY;
  for (let k = 0; k < classes; k++) {
    if (k === best) continue;
    const dv = value(best) - value(k);
    margin = Math.min(margin, dv);
    const g = Math.hypot(gradX(best) - gradX(k), gradY(best) - gradY(k));
    if (g > 0) distance = Math.min(distance, dv / g);
  }
  return { predicted: best, distance, margin };
}

const kAxes = [Float64Array.of(1, 0), Float64Array.of(0, 1)];

/**
 * The oracle of one net, its forward pass made once: call it for many points (the same results as evaluatePoint).
 * The pattern and distances are those of the first `layers` hidden layers; the output (unit `unit`, clamped to the
 * net's units) and the decision use the whole net.
 */
export function pointOracle(
  net: Net,
  layers = net.hidden.length,
  unit = 0,
  /** For a net of d inputs: (x, y) are the plane's (u, v), the point o + u a + v b, the tangents along a and b. */
  plane: Plane | null = null,
): (x: number, y: number) => PointFields {
  const u = Math.max(0, Math.min((net.output?.outDim ?? 1) - 1, Math.floor(unit)));
  const shown = Math.max(0, Math.min(layers, net.hidden.length));
  const pass = new ForwardPass(net, 2);
  const neurons = net.hidden.slice(0, shown).reduce((s, l) => s + l.outDim, 0);
  const axes = plane ? [plane.a, plane.b] : kAxes;
  return (x, y) => {
    pass.run(plane ? planePoint(plane, x, y) : [x, y], axes);
    const pattern = new Uint8Array(neurons);
    let lo = 0;
    let hi = 0;
    let distance = Number.POSITIVE_INFINITY;
    let nearestLayer = 0;
    const layerDistances: number[] = [];
    let neuron = 0;
    for (let l = 0; l < shown; l++) {
      const { z, active } = pass.layers[l] ?? { z: { value: [], tangents: [] }, active: [] };
      const [dx = new Float64Array(0), dy = new Float64Array(0)] = z.tangents;
      let nearest = Number.POSITIVE_INFINITY;
      for (let n = 0; n < active.length; n++, neuron++) {
        if (active[n]) {
          pattern[neuron] = 1;
          const [klo, khi] = neuronKey(neuron);
          lo ^= klo;
          hi ^= khi;
        }
        const g = Math.hypot(dx[n] ?? 0, dy[n] ?? 0);
        if (g === 0) continue;
        const d = Math.abs(z.value[n] ?? 0) / g;
        nearest = Math.min(nearest, d);
        if (d < distance) {
          distance = d;
          nearestLayer = l + 1;
        }
      }
      layerDistances.push(nearest);
    }
    const [gx = new Float64Array(1), gy = new Float64Array(1)] = pass.output.tangents;
    return {
      hash: finalizeHash(lo, hi),
      distance,
      nearestLayer,
      layerDistances,
      pattern,
      output: pass.output.value[u] ?? 0,
      outputGradient: [gx[u] ?? 0, gy[u] ?? 0],
      outputs: Array.from(pass.output.value),
      decision: decide(pass.output.value, gx, gy),
    };
  };
}

/**
 * Pattern, hash, distance, output (unit `unit`) and decision at input point (x, y), the pattern restricted to the
 * first `layers` layers.
 */
export function evaluatePoint(net: Net, x: number, y: number, layers = net.hidden.length, unit = 0): PointFields {
  return pointOracle(net, layers, unit)(x, y);
}

/**
 * Pre-activations of every hidden neuron at (x, y), layer by layer, followed by the first output unit's value
 * (same convention as PointFields.output) and every unit's. The GPU propagates differences from these (perturbation).
 */
export function preActivations(
  net: Net,
  x: number,
  y: number,
): { hidden: Float64Array[]; output: number; outputs: Float64Array } {
  const pass = new ForwardPass(net, 0);
  pass.run([x, y]);
  const outputs = pass.output.value.slice();
  return { hidden: pass.layers.map((l) => l.z.value.slice()), output: outputs[0] ?? 0, outputs };
}
