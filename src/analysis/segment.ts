/**
 * Regions along a segment, exactly (up to float64): the float64 oracle for 1D region counts (science.md, "Regions
 * along a segment"). Hanin and Rolnick's 1D result is about this count: E[#regions] / length grows like #neurons.
 *
 * Along p(t) = p0 + t (p1 - p0) every neuron is affine in t inside a region, so one forward pass of the value c and
 * the derivative d = dc/dt at t gives, for every neuron, the t where it would reach zero. The next breakpoint is the
 * nearest of those roots; stepping there and evaluating again costs one forward pass per region crossed.
 */
import { balanceNet, scaleByPowerOfTwo } from '../model/balance.ts';
import { type Layer, type Net, outputUnit } from '../model/net.ts';
import { affineWithSlope, columnMajor, liveInputs } from './tangentKernel.ts';

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
  /** The network output (oracle.ts evaluatePoint().output) at t = 0, at each breakpoint, and at t = 1. */
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
 * for weights anywhere in float64's range); outputs are scaled back.
 */
export function walkSegment(
  net: Net,
  p0: Point,
  p1: Point,
  layers = net.hidden.length,
  visit?: (region: SegmentRegion) => void,
): SegmentWalk {
  const balanced = balanceNet(net);
  const pass = new SegmentPass(balanced.net, p0, p1, layers);
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

/** One partition layer's buffers, kept between steps. */
interface LayerState {
  readonly layer: Layer;
  /** The layer's weights, column-major (tangentKernel.ts). */
  readonly columns: Float64Array;
  /** Value c and derivative d = dc/dt of every neuron at the current t. */
  readonly c: Float64Array;
  readonly d: Float64Array;
  /** The masked value and derivative (the post-activation just after t), the next layer's input. */
  readonly h: Float64Array;
  readonly dh: Float64Array;
  /** Indices of the inputs that are nonzero: inactive neurons below contribute nothing, so they are skipped. */
  readonly live: Int32Array;
}

/**
 * The forward pass along the segment. For the partition layers it carries the value c and the derivative d of every
 * neuron and the pattern taken just after t; deeper layers carry values only, for the output.
 */
class SegmentPass {
  readonly neurons: number;
  /** The pattern just after the last run(t), partition neurons layer by layer. */
  readonly pattern: Uint8Array;
  private readonly states: readonly LayerState[];
  private readonly partition: readonly Layer[];
  private readonly deeper: readonly Layer[];
  private readonly output: Layer;

  constructor(
    net: Net,
    private readonly p0: Point,
    private readonly p1: Point,
    layers: number,
  ) {
    const shown = Math.max(0, Math.min(layers, net.hidden.length));
    this.partition = net.hidden.slice(0, shown);
    this.deeper = net.hidden.slice(shown);
    this.output = outputUnit(net);
    this.neurons = this.partition.reduce((sum, layer) => sum + layer.outDim, 0);
    this.pattern = new Uint8Array(this.neurons);
    this.states = this.partition.map((layer) => ({
      layer,
      columns: columnMajor(layer),
      c: new Float64Array(layer.outDim),
      d: new Float64Array(layer.outDim),
      h: new Float64Array(layer.outDim),
      dh: new Float64Array(layer.outDim),
      live: new Int32Array(layer.inDim),
    }));
  }

  /** Evaluates every neuron at t; returns the output there and leaves the pattern just after t in `pattern`. */
  run(t: number): number {
    const [x0, y0] = this.p0;
    const [dx, dy] = [this.p1[0] - x0, this.p1[1] - y0];
    let h: Float64Array = Float64Array.of(x0 + t * dx, y0 + t * dy);
    let dh: Float64Array = Float64Array.of(dx, dy);
    let first = 0;
    for (const state of this.states) {
      const count = liveInputs(h, dh, state.live);
      affineWithSlope(state.columns, state.layer.bias, h, dh, state.live, count, state.c, state.d);
      this.activate(state, first);
      ({ h, dh } = state);
      first += state.layer.outDim;
    }
    return this.outputThrough(this.deeper, h);
  }

  /** The output at a point (value only), for the end of the segment. */
  outputAt(point: Point): number {
    return this.outputThrough([...this.partition, ...this.deeper], Float64Array.of(point[0], point[1]));
  }

  /**
   * The smallest root after t of any partition neuron moving towards zero (active and decreasing, or inactive and
   * increasing); Infinity if none. Neurons moving away from zero are skipped: a neuron that has just crossed has
   * c ~ 0, and taking its root would make a zero-length region. Ties make every root at least kTie away.
   */
  nextBreakpoint(t: number): number {
    let step = Number.POSITIVE_INFINITY;
    let neuron = 0;
    for (const { c, d } of this.states) {
      for (let n = 0; n < d.length; n++, neuron++) {
        const slope = d[n] ?? 0;
        const towardsZero = this.pattern[neuron] === 1 ? slope < 0 : slope > 0;
        if (towardsZero) step = Math.min(step, -(c[n] ?? 0) / slope);
      }
    }
    return t + step;
  }

  /**
   * The pattern just after t for one partition layer, and its masked value and derivative. A tie (|c| tiny next to
   * |d|: the neuron is crossing at t) takes the sign of d. Deeper layers see this pattern, which is why ties are
   * resolved layer by layer. Dead neurons (c = d = 0) stay inactive.
   */
  private activate({ c, d, h, dh }: LayerState, first: number): void {
    for (let n = 0; n < c.length; n++) {
      const value = c[n] ?? 0;
      const slope = d[n] ?? 0;
      const on = Math.abs(value) <= kTie * Math.abs(slope) ? slope > 0 : value > 0;
      this.pattern[first + n] = on ? 1 : 0;
      h[n] = on ? value : 0;
      dh[n] = on ? slope : 0;
    }
  }

  /** Values only (no pattern is needed there) through `layers` and the output unit. */
  private outputThrough(layers: readonly Layer[], input: Float64Array): number {
    let h = input;
    for (const layer of layers) h = affineValue(layer, h).map((v) => Math.max(v, 0));
    return affineValue(this.output, h)[0] ?? 0;
  }
}

function affineValue(layer: Layer, h: Float64Array): Float64Array {
  const { inDim, outDim, weight, bias } = layer;
  const z = new Float64Array(outDim);
  for (let n = 0; n < outDim; n++) {
    let value = bias[n] ?? 0;
    const row = n * inDim;
    for (let k = 0; k < inDim; k++) value += (weight[row + k] ?? 0) * (h[k] ?? 0);
    z[n] = value;
  }
  return z;
}
