/**
 * The inner loop of the segment walk: c = W h + b and d = W dh for one layer, where h is sparse (inactive neurons
 * below give zeros). It runs once per layer per region crossed, so it sets the walk's speed. Summing columns of a
 * column-major copy of W over the live inputs only, four columns at a time, is about three times faster in V8 than
 * row-by-row dot products (measured for 1024 x 1024 with half the inputs live: 0.46 ms against 1.46 ms).
 */
import type { Layer } from '../model/net.ts';

/** W as [inDim][outDim]: column k of W is contiguous. Made once per walk (weights may change between walks). */
export function columnMajor({ inDim, outDim, weight }: Layer): Float64Array {
  const columns = new Float64Array(inDim * outDim);
  for (let n = 0; n < outDim; n++) {
    for (let k = 0; k < inDim; k++) columns[k * outDim + n] = weight[n * inDim + k] ?? 0;
  }
  return columns;
}

/** Writes into `live` the indices k where h[k] or dh[k] is nonzero; returns how many. */
export function liveInputs(h: Float64Array, dh: Float64Array, live: Int32Array): number {
  let count = 0;
  for (let k = 0; k < h.length; k++) if ((h[k] ?? 0) !== 0 || (dh[k] ?? 0) !== 0) live[count++] = k;
  return count;
}

/** c = W h + b, d = W dh, with W given column-major and only the first `count` inputs of `live` nonzero. */
export function affineWithSlope(
  columns: Float64Array,
  bias: Float64Array,
  h: Float64Array,
  dh: Float64Array,
  live: Int32Array,
  count: number,
  c: Float64Array,
  d: Float64Array,
): void {
  const outDim = c.length;
  c.set(bias);
  d.fill(0);
  let j = 0;
  for (; j + 3 < count; j += 4) {
    const [k0, k1, k2, k3] = [live[j] ?? 0, live[j + 1] ?? 0, live[j + 2] ?? 0, live[j + 3] ?? 0];
    const [a0, a1, a2, a3] = [h[k0] ?? 0, h[k1] ?? 0, h[k2] ?? 0, h[k3] ?? 0];
    const [b0, b1, b2, b3] = [dh[k0] ?? 0, dh[k1] ?? 0, dh[k2] ?? 0, dh[k3] ?? 0];
    const [o0, o1, o2, o3] = [k0 * outDim, k1 * outDim, k2 * outDim, k3 * outDim];
    for (let n = 0; n < outDim; n++) {
      const w0 = columns[o0 + n] ?? 0;
      const w1 = columns[o1 + n] ?? 0;
      const w2 = columns[o2 + n] ?? 0;
      const w3 = columns[o3 + n] ?? 0;
      c[n] = (c[n] ?? 0) + w0 * a0 + w1 * a1 + w2 * a2 + w3 * a3;
      d[n] = (d[n] ?? 0) + w0 * b0 + w1 * b1 + w2 * b2 + w3 * b3;
    }
  }
  for (; j < count; j++) {
    const k = live[j] ?? 0;
    const [a, b, offset] = [h[k] ?? 0, dh[k] ?? 0, k * outDim];
    for (let n = 0; n < outDim; n++) {
      const w = columns[offset + n] ?? 0;
      c[n] = (c[n] ?? 0) + w * a;
      d[n] = (d[n] ?? 0) + w * b;
    }
  }
}
