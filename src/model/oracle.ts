/**
 * The float64 reference ("oracle"): what is right for any point, decided without a GPU. The forward pass
 * (graph/graphForward.ts) carries values and d/dx, d/dy through the network's operations; a stage applies its
 * pattern to values and tangents alike.
 */
import { type Activations, ForwardPass } from './forward.ts';
import {
  graphOf,
  graphOutputCount,
  type Network,
  type Stage,
  stagesOf,
  stageUnits,
  windowPositions,
} from './graph/graph.ts';
import { GraphForward, poolWindow, type StagePattern } from './graph/graphForward.ts';
import { finalizeHash, neuronKey } from './hash.ts';
import type { Net } from './net.ts';
import { type Plane, planePoint } from './plane.ts';

export interface PointFields {
  /** 64-bit pattern hash of the first `layers` stages (an MLP's hidden layers), as (lo, hi). */
  readonly hash: [number, number];
  /** Gradient-normalized distance to the nearest neuron boundary, in input units; Infinity if no neuron has a line. */
  readonly distance: number;
  /** 1-based stage (an MLP's hidden layer) of the boundary that attains the distance; 0 when there is none. */
  readonly nearestLayer: number;
  /** The distance to the nearest boundary of each of the first `layers` layers' neurons (Infinity: none). */
  readonly layerDistances: number[];
  /** Every hash unit of the first `layers` stages: 1 for an active (z > 0) neuron, a max-pool window's argmax. */
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

/** The nearest boundary of a stage at the pass's point: the least |z| / ||grad z|| (max pool: of top - other). */
function stageDistance(pass: GraphForward, stage: Stage, patternOf: StagePattern): number {
  const z = pass.tensors[stage.op.inputs[0] ?? 0] as Activations;
  const [dx = z.value, dy = z.value] = z.tangents;
  let nearest = Number.POSITIVE_INFINITY;
  if (stage.op.kind !== 'maxPool') {
    for (let n = 0; n < stage.op.size; n++) {
      const g = Math.hypot(dx[n] ?? 0, dy[n] ?? 0);
      if (g > 0) nearest = Math.min(nearest, Math.abs(z.value[n] ?? 0) / g);
    }
    return nearest;
  }
  const positions = windowPositions(stage.op);
  const window = new Int32Array(positions);
  const argmax = patternOf.argmax as Int32Array;
  for (let o = 0; o < stage.op.size; o++) {
    poolWindow(stage.op, o, window);
    const top = window[argmax[o] ?? 0] ?? -1;
    if (top < 0) continue;
    for (let p = 0; p < positions; p++) {
      const k = window[p] ?? -1;
      if (k < 0 || k === top) continue;
      const g = Math.hypot((dx[top] ?? 0) - (dx[k] ?? 0), (dy[top] ?? 0) - (dy[k] ?? 0));
      if (g > 0) nearest = Math.min(nearest, ((z.value[top] ?? 0) - (z.value[k] ?? 0)) / g);
    }
  }
  return nearest;
}

/**
 * The oracle of one network, its forward pass made once: call it for many points (the same results as
 * evaluatePoint). The pattern and distances are those of the first `layers` stages (an MLP's hidden layers); the
 * output (unit `unit`, clamped to the net's units) and the decision use the whole net. MLPs and graphs take the same
 * path (an MLP is its graph, graphOfNet).
 */
export function pointOracle(
  network: Network,
  layers = Number.POSITIVE_INFINITY,
  unit = 0,
  /** For a net of d inputs: (x, y) are the plane's (u, v), the point o + u a + v b, the tangents along a and b. */
  plane: Plane | null = null,
): (x: number, y: number) => PointFields {
  const graph = graphOf(network);
  const stages = stagesOf(graph);
  const u = Math.max(0, Math.min(graphOutputCount(graph) - 1, Math.floor(unit)));
  const shown = Math.max(0, Math.min(layers, stages.length));
  const pass = new GraphForward(graph, 2);
  const units = stages.slice(0, shown).reduce((s, stage) => s + stageUnits(stage.op), 0);
  const axes = plane ? [plane.a, plane.b] : kAxes;
  return (x, y) => {
    pass.run(plane ? planePoint(plane, x, y) : [x, y], axes);
    const pattern = new Uint8Array(units);
    let lo = 0;
    let hi = 0;
    let distance = Number.POSITIVE_INFINITY;
    let nearestLayer = 0;
    const layerDistances: number[] = [];
    const set = (n: number): void => {
      pattern[n] = 1;
      const [klo, khi] = neuronKey(n);
      lo ^= klo;
      hi ^= khi;
    };
    stages.slice(0, shown).forEach((stage, l) => {
      const stagePattern = pass.patterns[l] as StagePattern;
      const { active, argmax } = stagePattern;
      if (active) {
        for (let n = 0; n < active.length; n++) if (active[n]) set(stage.unitBase + n);
      } else if (argmax && stage.op.kind === 'maxPool') {
        const positions = windowPositions(stage.op);
        for (let o = 0; o < argmax.length; o++) set(stage.unitBase + o * positions + (argmax[o] ?? 0));
      }
      const nearest = stageDistance(pass, stage, stagePattern);
      layerDistances.push(nearest);
      if (nearest < distance) {
        distance = nearest;
        nearestLayer = l + 1;
      }
    });
    const output = pass.output;
    const [gx = new Float64Array(1), gy = new Float64Array(1)] = output.tangents;
    return {
      hash: finalizeHash(lo, hi),
      distance,
      nearestLayer,
      layerDistances,
      pattern,
      output: output.value[u] ?? 0,
      outputGradient: [gx[u] ?? 0, gy[u] ?? 0],
      outputs: Array.from(output.value),
      decision: decide(output.value, gx, gy),
    };
  };
}

/**
 * Pattern, hash, distance, output (unit `unit`) and decision at input point (x, y), the pattern restricted to the
 * first `layers` layers.
 */
export function evaluatePoint(
  network: Network,
  x: number,
  y: number,
  layers = Number.POSITIVE_INFINITY,
  unit = 0,
): PointFields {
  return pointOracle(network, layers, unit)(x, y);
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
