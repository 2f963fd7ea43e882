/**
 * Regions along a segment, exactly (up to float64): the float64 oracle for 1D region counts (science.md, "Regions
 * along a segment"). Hanin and Rolnick's 1D result is about this count: E[#regions] / length grows like #neurons.
 *
 * Along p(t) = p0 + t (p1 - p0) every stage unit is affine in t inside a region, so one forward pass of the value c
 * and the derivative d = dc/dt at t gives, for every relu / leakyRelu unit, the t where it would reach zero, and for
 * every max-pool window the t where another candidate would overtake the current maximum. The next breakpoint is the
 * nearest of those roots; stepping there and evaluating again costs one forward pass per region crossed. MLPs and
 * graphs take the same path (graph/graphForward.ts; an MLP is its graph, graphOfNet).
 */
import { balanceNet, scaleByPowerOfTwo } from '../model/balance.ts';
import {
  type Graph,
  graphOf,
  graphOutputCount,
  isGraph,
  type MaxPoolOp,
  type Network,
  type Stage,
  stagesOf,
  stageUnits,
  windowPositions,
} from '../model/graph/graph.ts';
import { GraphForward, poolWindow, type TieRule } from '../model/graph/graphForward.ts';

/**
 * Two crossings closer than this (in t, the segment's own parameter in [0, 1]) are one breakpoint: at a breakpoint
 * the crossing neuron's recomputed value is rounding noise, and this tolerance tells it from a real, later crossing.
 */
export const kTie = 1e-10;

export interface SegmentWalk {
  /** Where the pattern changes, as t in (0, 1), strictly increasing. */
  readonly breakpoints: number[];
  /** Number of regions the segment meets: breakpoints.length + 1. */
  readonly regions: number;
  /** The network output (oracle.ts evaluatePoint().output, of `unit`) at t = 0, at each breakpoint, and at t = 1. */
  readonly outputs: number[];
  /** Euclidean length of the segment in input units. */
  readonly length: number;
  /** Piecewise-linear units of the stages that make the partition: relu / leakyRelu elements, max-pool windows. */
  readonly neurons: number;
  /** regions / length / neurons, the quantity Hanin and Rolnick bound above and below; NaN for a zero length. */
  readonly regionsPerUnitLengthPerNeuron: number;
}

/** One region met by the walk, as handed to the optional visitor. */
export interface SegmentRegion {
  /** t where the region starts (0 for the first). */
  readonly start: number;
  /**
   * Every hash unit of the partition stages just after `start`, like pointOracle()'s pattern: 1 for an active
   * (z > 0) relu / leakyRelu unit, a max-pool window's argmax (an MLP: its neurons, layer by layer).
   */
  readonly pattern: Uint8Array;
  /** The network output at `start`. */
  readonly output: number;
}

type Point = readonly [number, number];

/**
 * Walks p0 -> p1 through the partition made by the first `layers` stages (an MLP's hidden layers; the output still
 * uses the whole network), calling `visit` once per region, in order. An MLP is walked balanced (the same
 * partition, exactly, for weights anywhere in float64's range); outputs (of output unit `unit`, clamped to the
 * network's) are scaled back. A graph is walked as it is.
 */
export function walkSegment(
  network: Network,
  p0: Point,
  p1: Point,
  layers = Number.POSITIVE_INFINITY,
  visit?: (region: SegmentRegion) => void,
  unit = 0,
): SegmentWalk {
  const balanced = isGraph(network) ? null : balanceNet(network);
  const graph = graphOf(balanced ? balanced.net : network);
  const outputExponent = balanced?.outputExponent ?? 0;
  const units = graphOutputCount(graph);
  const pass = new SegmentPass(graph, p0, p1, layers, Math.max(0, Math.min(units - 1, Math.floor(unit))));
  const unscaled = (output: number): number =>
    outputExponent === 0 ? output : scaleByPowerOfTwo(output, -outputExponent);
  const breakpoints: number[] = [];
  const outputs = [unscaled(pass.run(0))];
  let previous = pass.pattern.slice();
  visit?.({ start: 0, pattern: previous.slice(), output: outputs[0] ?? 0 });
  for (let t = pass.nextBreakpoint(0); t < 1 - kTie; t = pass.nextBreakpoint(t)) {
    const output = unscaled(pass.run(t));
    // A step that changes nothing (a unit that touches zero and turns back, or a root that rounding put short of
    // the crossing) does not start a new region.
    if (equalPatterns(previous, pass.pattern)) continue;
    previous = pass.pattern.slice();
    breakpoints.push(t);
    outputs.push(output);
    visit?.({ start: t, pattern: previous.slice(), output });
  }
  outputs.push(unscaled(pass.outputAt(p1)));
  const length = Math.hypot(p1[0] - p0[0], p1[1] - p0[1]);
  const regions = breakpoints.length + 1;
  const density = length > 0 && pass.neurons > 0 ? regions / length / pass.neurons : Number.NaN;
  return { breakpoints, regions, outputs, length, neurons: pass.neurons, regionsPerUnitLengthPerNeuron: density };
}

function equalPatterns(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The forward pass along the segment (graph/graphForward.ts, one direction: the segment's). For the partition
 * stages it gives the value c and the derivative d = dc/dt of every unit of the stage's input, and the pattern taken
 * just after t: GraphForward's tie rule by the slope, { tolerance: kTie, stages: shown }. In a partition stage a
 * unit within kTie |d| of its boundary (|c| tiny next to |d|: it is crossing at t) takes the side d moves it to, and
 * a max-pool window's candidates tied with the maximum give it to the steepest; deeper stages see this pattern.
 * Dead units (c = d = 0) stay inactive. Stages below the partition only give the output (z > 0, the first largest).
 */
class SegmentPass {
  readonly neurons: number;
  /** The pattern just after the last run(t): the hash units of the partition stages, as pointOracle's pattern. */
  readonly pattern: Uint8Array;
  private readonly pass: GraphForward;
  private readonly stages: readonly Stage[];
  private readonly direction: Float64Array;
  private readonly rule: TieRule;
  /** A max-pool window's input indices by position (the largest window of the partition). */
  private readonly window: Int32Array;

  constructor(
    graph: Graph,
    private readonly p0: Point,
    p1: Point,
    layers: number,
    private readonly unit: number,
  ) {
    const all = stagesOf(graph);
    this.stages = all.slice(0, Math.max(0, Math.min(layers, all.length)));
    this.neurons = this.stages.reduce((sum, stage) => sum + stage.op.size, 0);
    this.pattern = new Uint8Array(this.stages.reduce((sum, stage) => sum + stageUnits(stage.op), 0));
    this.pass = new GraphForward(graph, 1);
    this.direction = Float64Array.of(p1[0] - p0[0], p1[1] - p0[1]);
    this.rule = { tolerance: kTie, stages: this.stages.length };
    const largest = this.stages.reduce((m, s) => (s.op.kind === 'maxPool' ? Math.max(m, windowPositions(s.op)) : m), 1);
    this.window = new Int32Array(largest);
  }

  /** Evaluates every unit at t; returns the output there and leaves the pattern just after t in `pattern`. */
  run(t: number): number {
    const [x0, y0] = this.p0;
    const [dx = 0, dy = 0] = this.direction;
    this.pass.run([x0 + t * dx, y0 + t * dy], [this.direction], this.rule);
    const pattern = this.pattern;
    for (let l = 0; l < this.stages.length; l++) {
      const stage = this.stages[l] as Stage;
      const { active, argmax } = this.pass.patterns[l] ?? { active: null, argmax: null };
      if (active) {
        pattern.set(active, stage.unitBase);
      } else if (argmax && stage.op.kind === 'maxPool') {
        const positions = windowPositions(stage.op);
        pattern.fill(0, stage.unitBase, stage.unitBase + stageUnits(stage.op));
        // As pointOracle sets it.
        for (let o = 0; o < argmax.length; o++) pattern[stage.unitBase + o * positions + (argmax[o] ?? 0)] = 1;
      }
    }
    return this.pass.output.value[this.unit] ?? 0;
  }

  /**
   * The output at a point (value only), for the end of the segment: a zero direction and the pattern by value,
   * which gives the values a pass without tangents gives (zero tangents add no live inputs), with no second pass.
   */
  outputAt(point: Point): number {
    this.pass.run(point, [new Float64Array(2)]);
    return this.pass.output.value[this.unit] ?? 0;
  }

  /**
   * The smallest root after t of any partition unit moving towards its boundary; Infinity if none. A relu /
   * leakyRelu unit: active and decreasing, or inactive and increasing, root -c / d. A max-pool window: each other
   * candidate k gaining on the current maximum `top` (d_k > d_top), root (c_top - c_k) / (d_k - d_top). Units moving
   * away are skipped: one that has just crossed has c ~ 0, and taking its root would make a zero-length region. The
   * tie rule makes every root at least kTie away (a max-pool root that rounding made <= 0 is skipped).
   */
  nextBreakpoint(t: number): number {
    let step = Number.POSITIVE_INFINITY;
    for (let l = 0; l < this.stages.length; l++) {
      const stage = this.stages[l] as Stage;
      const z = this.pass.tensors[stage.op.inputs[0] ?? 0];
      const d = z?.tangents[0];
      if (!z || !d) continue;
      const { active, argmax } = this.pass.patterns[l] ?? { active: null, argmax: null };
      if (active) {
        const value = z.value;
        for (let n = 0; n < active.length; n++) {
          const slope = d[n] ?? 0;
          const towardsZero = active[n] === 1 ? slope < 0 : slope > 0;
          if (towardsZero) step = Math.min(step, -(value[n] ?? 0) / slope);
        }
      } else if (argmax && stage.op.kind === 'maxPool') {
        step = Math.min(step, this.poolStep(stage.op, argmax, z.value, d));
      }
    }
    return t + step;
  }

  /** The nearest root of a max-pool stage: a candidate overtaking its window's maximum. */
  private poolStep(op: MaxPoolOp, argmax: Int32Array, value: Float64Array, d: Float64Array): number {
    const win = this.window;
    const positions = windowPositions(op);
    let step = Number.POSITIVE_INFINITY;
    for (let o = 0; o < op.size; o++) {
      poolWindow(op, o, win);
      const top = win[argmax[o] ?? 0] ?? -1;
      if (top < 0) continue;
      const topValue = value[top] ?? 0;
      const topSlope = d[top] ?? 0;
      for (let p = 0; p < positions; p++) {
        const k = win[p] ?? -1;
        if (k < 0 || k === top) continue;
        const rate = (d[k] ?? 0) - topSlope;
        if (rate <= 0) continue;
        const root = (topValue - (value[k] ?? 0)) / rate;
        if (root > 0 && root < step) step = root;
      }
    }
    return step;
  }
}
