/**
 * Regions along a segment, exactly (up to float64): the float64 oracle for 1D region counts (science.md, "Regions
 * along a segment"). Hanin and Rolnick's 1D result is about this count: E[#regions] / length grows like #neurons.
 *
 * Along p(t) = p0 + t (p1 - p0) every neuron is affine in t inside a region, so one forward pass of the value c and
 * the derivative d = dc/dt at t gives, for every neuron, the t where it would reach zero. The next breakpoint is the
 * nearest of those roots; stepping there and evaluating again costs one forward pass per region crossed.
 */
import { balanceNet, scaleByPowerOfTwo } from '../model/balance.ts';
import { type ActivityRule, ForwardPass } from '../model/forward.ts';
import type { Net } from '../model/net.ts';

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
  /** Hidden neurons of the layers that make the partition. */
  readonly neurons: number;
  /** regions / length / neurons, the quantity Hanin and Rolnick bound above and below; NaN for a zero length. */
  readonly regionsPerUnitLengthPerNeuron: number;
}

/** One region met by the walk, as handed to the optional visitor. */
export interface SegmentRegion {
  /** t where the region starts (0 for the first). */
  readonly start: number;
  /** Active flags (1: z > 0 just after `start`) of every partition neuron, layer by layer, like evaluatePoint(). */
  readonly pattern: Uint8Array;
  /** The network output at `start`. */
  readonly output: number;
}

type Point = readonly [number, number];

/**
 * Walks p0 -> p1 through the partition made by the first `layers` hidden layers (the output still uses the whole
 * net), calling `visit` once per region, in order. The walk runs on the balanced net (the same partition, exactly,
 * for weights anywhere in float64's range); outputs (of output unit `unit`, clamped to the net's) are scaled back.
 */
export function walkSegment(
  net: Net,
  p0: Point,
  p1: Point,
  layers = net.hidden.length,
  visit?: (region: SegmentRegion) => void,
  unit = 0,
): SegmentWalk {
  const balanced = balanceNet(net);
  const units = balanced.net.output?.outDim ?? 1;
  const pass = new SegmentPass(balanced.net, p0, p1, layers, Math.max(0, Math.min(units - 1, Math.floor(unit))));
  const unscaled = (output: number): number => scaleByPowerOfTwo(output, -balanced.outputExponent);
  const breakpoints: number[] = [];
  const outputs = [unscaled(pass.run(0))];
  let previous = pass.pattern.slice();
  visit?.({ start: 0, pattern: previous.slice(), output: outputs[0] ?? 0 });
  for (let t = pass.nextBreakpoint(0); t < 1 - kTie; t = pass.nextBreakpoint(t)) {
    const output = unscaled(pass.run(t));
    // A step that changes nothing (a neuron that touches zero and turns back, or a root that rounding put short of
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
 * The forward pass along the segment (forward.ts, one direction: the segment's). For the partition layers it gives
 * the value c and the derivative d = dc/dt of every neuron, and the pattern taken just after t.
 */
class SegmentPass {
  readonly neurons: number;
  /** The pattern just after the last run(t), partition neurons layer by layer. */
  readonly pattern: Uint8Array;
  private readonly pass: ForwardPass;
  /** Values only, for the output at the segment's end. */
  private readonly values: ForwardPass;
  private readonly direction: Float64Array;
  private readonly shown: number;

  constructor(
    net: Net,
    private readonly p0: Point,
    p1: Point,
    layers: number,
    private readonly unit: number,
  ) {
    this.shown = Math.max(0, Math.min(layers, net.hidden.length));
    this.neurons = net.hidden.slice(0, this.shown).reduce((sum, layer) => sum + layer.outDim, 0);
    this.pattern = new Uint8Array(this.neurons);
    this.pass = new ForwardPass(net, 1);
    this.values = new ForwardPass(net, 0);
    this.direction = Float64Array.of(p1[0] - p0[0], p1[1] - p0[1]);
  }

  /** Evaluates every neuron at t; returns the output there and leaves the pattern just after t in `pattern`. */
  run(t: number): number {
    const [x0, y0] = this.p0;
    const [dx = 0, dy = 0] = this.direction;
    this.pass.run([x0 + t * dx, y0 + t * dy], [this.direction], this.rule);
    let first = 0;
    for (let l = 0; l < this.shown; l++) {
      const active = this.pass.layers[l]?.active ?? new Uint8Array(0);
      this.pattern.set(active, first);
      first += active.length;
    }
    return this.pass.output.value[this.unit] ?? 0;
  }

  /**
   * The pattern just after t: a tie in a partition layer (|c| tiny next to |d|: the neuron is crossing at t) takes
   * the sign of d. Deeper layers see this pattern, which is why ties are resolved layer by layer. Dead neurons
   * (c = d = 0) stay inactive. Layers below the partition only give the output: z > 0.
   */
  private readonly rule: ActivityRule = (l, z, active) => {
    const slope = z.tangents[0] ?? new Float64Array(0);
    for (let n = 0; n < active.length; n++) {
      const value = z.value[n] ?? 0;
      const d = slope[n] ?? 0;
      active[n] = (l < this.shown && Math.abs(value) <= kTie * Math.abs(d) ? d > 0 : value > 0) ? 1 : 0;
    }
  };

  /** The output at a point (value only), for the end of the segment. */
  outputAt(point: Point): number {
    this.values.run(point);
    return this.values.output.value[this.unit] ?? 0;
  }

  /**
   * The smallest root after t of any partition neuron moving towards zero (active and decreasing, or inactive and
   * increasing); Infinity if none. Neurons moving away from zero are skipped: a neuron that has just crossed has
   * c ~ 0, and taking its root would make a zero-length region. Ties make every root at least kTie away.
   */
  nextBreakpoint(t: number): number {
    let step = Number.POSITIVE_INFINITY;
    for (let l = 0; l < this.shown; l++) {
      const { z, active } = this.pass.layers[l] ?? { z: { value: [], tangents: [] }, active: [] };
      const d = z.tangents[0] ?? new Float64Array(0);
      for (let n = 0; n < active.length; n++) {
        const slope = d[n] ?? 0;
        const towardsZero = active[n] === 1 ? slope < 0 : slope > 0;
        if (towardsZero) step = Math.min(step, -(z.value[n] ?? 0) / slope);
      }
    }
    return t + step;
  }
}
