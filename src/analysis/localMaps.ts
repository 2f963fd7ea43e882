/**
 * Local maps: on a region of the partition after layer l-1 every neuron of layer l is an affine function of the
 * input, z_n(x, y) = ax_n x + ay_n y + c_n. A layer's maps are stored interleaved, [ax_0, ay_0, c_0, ax_1, ...].
 *
 * The next layer's maps on a piece are W (mask ⊙ z) + b, mask the piece's active neurons. The pieces of one parent
 * share the mask of every neuron whose line misses the parent, so the enumeration computes that shared part once
 * (`baseMaps`, crossing neurons left out) and adds the active crossing neurons one column at a time (`addNeuron`)
 * as the cut decides them: about one column per piece instead of a full matrix product. Terms are only ever added,
 * never subtracted, so a dead path keeps an exactly zero gradient, as in the oracle.
 */
import type { Layer } from '../model/net.ts';

/** The first layer's maps, the same on the whole plane. */
export function firstLayerMaps(layer: Layer): Float64Array {
  const maps = new Float64Array(3 * layer.outDim);
  for (let n = 0; n < layer.outDim; n++) {
    maps[3 * n] = layer.weight[2 * n] ?? 0;
    maps[3 * n + 1] = layer.weight[2 * n + 1] ?? 0;
    maps[3 * n + 2] = layer.bias[n] ?? 0;
  }
  return maps;
}

/** W transposed to [in][out], so that one input neuron's column is contiguous. */
export function transposeWeights(layer: Layer): Float64Array {
  const { inDim, outDim, weight } = layer;
  const transposed = new Float64Array(inDim * outDim);
  for (let j = 0; j < outDim; j++) {
    for (let k = 0; k < inDim; k++) transposed[k * outDim + j] = weight[j * inDim + k] ?? 0;
  }
  return transposed;
}

/** target += column k of W (from its transpose) times the map of input neuron k. */
export function addNeuron(
  target: Float64Array,
  transposed: Float64Array,
  outDim: number,
  k: number,
  maps: Float64Array,
) {
  const ax = maps[3 * k] ?? 0;
  const ay = maps[3 * k + 1] ?? 0;
  const c = maps[3 * k + 2] ?? 0;
  const row = k * outDim;
  for (let j = 0; j < outDim; j++) {
    const w = transposed[row + j] ?? 0;
    target[3 * j] = (target[3 * j] ?? 0) + w * ax;
    target[3 * j + 1] = (target[3 * j + 1] ?? 0) + w * ay;
    target[3 * j + 2] = (target[3 * j + 2] ?? 0) + w * c;
  }
}

/** The next layer's maps with only the `active` input neurons on: bias plus their columns. */
export function baseMaps(layer: Layer, transposed: Float64Array, maps: Float64Array, active: Uint8Array): Float64Array {
  const next = new Float64Array(3 * layer.outDim);
  for (let j = 0; j < layer.outDim; j++) next[3 * j + 2] = layer.bias[j] ?? 0;
  for (let k = 0; k < layer.inDim; k++) {
    if (active[k]) addNeuron(next, transposed, layer.outDim, k, maps);
  }
  return next;
}

/** Neuron n's value at (x, y). */
export function mapValue(maps: Float64Array, n: number, x: number, y: number): number {
  return (maps[3 * n] ?? 0) * x + (maps[3 * n + 1] ?? 0) * y + (maps[3 * n + 2] ?? 0);
}
