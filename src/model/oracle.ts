/**
 * The float64 reference ("oracle"): what is right for any point, decided without a GPU.
 * Forward-mode tangents carry h, dh/dx, dh/dy through the layers; ReLU masks value and tangents alike.
 */
import { finalizeHash, neuronKey } from './hash.ts';
import { type Layer, type Net, outputUnit } from './net.ts';

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
  /** The network output (the first output unit; the sum of the last hidden layer when the net has no output). */
  readonly output: number;
  readonly outputGradient: [number, number];
}

interface Tangent {
  value: Float64Array;
  dx: Float64Array;
  dy: Float64Array;
}

function affine(layer: Layer, input: Tangent): Tangent {
  const { inDim, outDim, weight, bias } = layer;
  const value = new Float64Array(outDim);
  const dx = new Float64Array(outDim);
  const dy = new Float64Array(outDim);
  for (let n = 0; n < outDim; n++) {
    let v = bias[n] ?? 0;
    let gx = 0;
    let gy = 0;
    const row = n * inDim;
    for (let k = 0; k < inDim; k++) {
      const w = weight[row + k] ?? 0;
      v += w * (input.value[k] ?? 0);
      gx += w * (input.dx[k] ?? 0);
      gy += w * (input.dy[k] ?? 0);
    }
    value[n] = v;
    dx[n] = gx;
    dy[n] = gy;
  }
  return { value, dx, dy };
}

function relu(z: Tangent): Tangent {
  const mask = (a: Float64Array): Float64Array => a.map((x, n) => ((z.value[n] ?? 0) > 0 ? x : 0));
  return { value: mask(z.value), dx: mask(z.dx), dy: mask(z.dy) };
}

/** Pattern, hash, distance and output at input point (x, y), the pattern restricted to the first `layers` layers. */
export function evaluatePoint(net: Net, x: number, y: number, layers = net.hidden.length): PointFields {
  const shown = Math.max(0, Math.min(layers, net.hidden.length));
  let h: Tangent = { value: Float64Array.of(x, y), dx: Float64Array.of(1, 0), dy: Float64Array.of(0, 1) };
  const pattern = new Uint8Array(net.hidden.slice(0, shown).reduce((s, l) => s + l.outDim, 0));
  let lo = 0;
  let hi = 0;
  let distance = Number.POSITIVE_INFINITY;
  let nearestLayer = 0;
  const layerDistances: number[] = [];
  let neuron = 0;
  net.hidden.forEach((layer, l) => {
    const z = affine(layer, h);
    if (l < shown) {
      layerDistances.push(Number.POSITIVE_INFINITY);
      for (let n = 0; n < layer.outDim; n++, neuron++) {
        const v = z.value[n] ?? 0;
        if (v > 0) {
          pattern[neuron] = 1;
          const [klo, khi] = neuronKey(neuron);
          lo ^= klo;
          hi ^= khi;
        }
        const g = Math.hypot(z.dx[n] ?? 0, z.dy[n] ?? 0);
        if (g === 0) continue;
        const d = Math.abs(v) / g;
        layerDistances[l] = Math.min(layerDistances[l] ?? d, d);
        if (d < distance) {
          distance = d;
          nearestLayer = l + 1;
        }
      }
    }
    h = relu(z);
  });
  const out = affine(outputUnit(net), h);
  return {
    hash: finalizeHash(lo, hi),
    distance,
    nearestLayer,
    layerDistances,
    pattern,
    output: out.value[0] ?? 0,
    outputGradient: [out.dx[0] ?? 0, out.dy[0] ?? 0],
  };
}

/**
 * Pre-activations of every hidden neuron at (x, y), layer by layer, followed by the output value
 * (same convention as PointFields.output). The GPU propagates differences from these (perturbation).
 */
export function preActivations(net: Net, x: number, y: number): { hidden: Float64Array[]; output: number } {
  // Tangents are not needed here: zero-length arrays read as zeros.
  const none = new Float64Array(0);
  let h = Float64Array.of(x, y);
  const hidden: Float64Array[] = [];
  for (const layer of net.hidden) {
    const z = affine(layer, { value: h, dx: none, dy: none }).value;
    hidden.push(z);
    h = z.map((v) => Math.max(v, 0));
  }
  const output = affine(outputUnit(net), { value: h, dx: none, dy: none }).value[0] ?? 0;
  return { hidden, output };
}
