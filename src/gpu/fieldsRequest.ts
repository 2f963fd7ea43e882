/**
 * What the two fields passes (brute force, fieldsPass.ts; region-seeded, regionsPass.ts) share: the request they
 * answer, the buffers they write, and the view's float64 values they propagate differences from.
 */
import { scaleByPowerOfTwo } from '../model/balance.ts';
import type { Net } from '../model/net.ts';
import { neuronCount } from '../model/net.ts';
import { preActivations } from '../model/oracle.ts';
import type { ImageSize, View } from '../model/view.ts';

export interface FieldsRequest {
  readonly view: View;
  readonly size: ImageSize;
  /** Hidden layers that make the pattern and the distance (1..L). */
  readonly layersShown: number;
  /** Also evaluate the network output (every layer runs). */
  readonly computeOutput: boolean;
  /** The output unit evaluated (0 by default; at most the net's units less one). */
  readonly outputUnit?: number;
  /**
   * The decision mode (with computeOutput): every output unit is evaluated and the record's output holds their argmax
   * (the class), its outputSlope the distance to the decision boundary in pixels. At most kMaxOutputs units.
   */
  readonly decision?: boolean;
  /** Pixel offset of this image inside a larger one (tiled renders); (0, 0) normally. */
  readonly origin?: readonly [number, number];
  /** Size of the larger image the view refers to; `size` normally. */
  readonly fullSize?: ImageSize;
  /**
   * Theorem mode: also accumulate the main formula's integrand over the first `layersShown` layers, with a Gaussian
   * bias density of this standard deviation. Both passes compute it (the region-seeded one from each region's maps).
   */
  readonly theoremSigmaB?: number;
  /** Per hidden neuron: the net's z is 2^e times the original net's (src/model/balance.ts); the theorem needs it. */
  readonly neuronExponents?: Int32Array;
}

/** The buffers a fields pass writes (owned by the renderer). */
export interface FieldsTarget {
  /** Per-pixel records (kPixelField). */
  readonly fields: GPUBuffer;
  /** Per-pixel f32 integrand of the main formula in input units (written in theorem mode). */
  readonly theorem: GPUBuffer;
  /**
   * The frame's statistics (kStatsWords words), then, from word kLabelsBase, which pixels are done (a bit a pixel,
   * kLabelWords words a tile, then a word a tile): coarse to fine.
   */
  readonly counters: GPUBuffer;
}

export class NetTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetTooLargeError';
  }
}

/**
 * Every hidden pre-activation at the view centre (float64, then rounded), then every output unit's: what both passes
 * propagate differences from (neuronCount(net) + outputCount(net) values).
 */
export function centreValues(net: Net, view: View): Float32Array<ArrayBuffer> {
  const centre = preActivations(net, view.cx, view.cy);
  const values = new Float32Array(neuronCount(net) + centre.outputs.length);
  let offset = 0;
  for (const z of centre.hidden) {
    values.set(z, offset);
    offset += z.length;
  }
  values.set(centre.outputs, offset);
  return values;
}

/** The output unit of `request` on a net of `units` output units, clamped. */
export function requestUnit(request: FieldsRequest, units: number): number {
  return Math.max(0, Math.min(units - 1, Math.floor(request.outputUnit ?? 0)));
}

/** The shader variant a request needs (both passes). */
export function variantOf(request: FieldsRequest): { OUTPUT: boolean; DECISION: boolean; THEOREM: boolean } {
  const decision = request.decision === true;
  return {
    OUTPUT: request.computeOutput && !decision,
    DECISION: decision,
    THEOREM: (request.theoremSigmaB ?? 0) > 0,
  };
}

/**
 * Theorem mode's per-neuron numbers: every hidden neuron's pre-activation less its own bias at the view centre,
 * z(c) - b (float64, then rounded), the argument of the bias density as z(x) - b = (z(c) - b) + dz; then every
 * neuron's 1 / sigma_b in the neuron's own scale (the net is balanced: neuron n's z is 2^e_n times the original's,
 * so its bias density has the standard deviation 2^e_n sigma_b), held within float32's range.
 */
export function theoremValues(net: Net, view: View, exponents: Int32Array, sigmaB: number): Float32Array<ArrayBuffer> {
  const centre = preActivations(net, view.cx, view.cy);
  const neurons = neuronCount(net);
  const values = new Float32Array(2 * neurons);
  let offset = 0;
  centre.hidden.forEach((z, l) => {
    const bias = net.hidden[l]?.bias;
    values.set(
      z.map((v, n) => v - (bias?.[n] ?? 0)),
      offset,
    );
    offset += z.length;
  });
  for (let n = 0; n < neurons; n++) {
    const inverse = 1 / scaleByPowerOfTwo(sigmaB, exponents[n] ?? 0);
    values[neurons + n] = Math.min(Math.max(inverse, 1e-30), 1e30);
  }
  return values;
}
