/**
 * The 64-bit activation-pattern hash, as two u32 (lo, hi). Mirrored bit for bit by shaders/hash.wgsl.
 *
 * Zobrist hashing: every neuron n has a pseudo-random 64-bit key; the raw hash is the XOR of the keys of the active
 * neurons (z > 0). It is order-free, so the GPU can fold neurons in as it computes them. Two neighbouring regions
 * differ in one neuron, so their raw hashes differ by that neuron's whole random key. A 3-round Feistel finalizer
 * (a bijection on 64 bits: it adds no collisions) then mixes every key bit into every output bit, so that colours
 * taken from any bits of the hash differ for one-neuron differences.
 */

/** Chris Wellons' lowbias32: a bijective 32-bit integer mixer with very low bias. */
export function mix32(x: number): number {
  let v = x >>> 0;
  v ^= v >>> 16;
  v = Math.imul(v, 0x7feb352d);
  v ^= v >>> 15;
  v = Math.imul(v, 0x846ca68b);
  v ^= v >>> 16;
  return v >>> 0;
}

export const kKeySalt = 0x9e3779b9;
export const kFeistelSalts = [0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const;

/** The Zobrist key of global neuron index n (neurons numbered layer by layer from 0). */
export function neuronKey(n: number): [number, number] {
  return [mix32((2 * n) ^ kKeySalt), mix32((2 * n + 1) ^ kKeySalt)];
}

/** The finalizer applied to the XOR of the active neurons' keys. */
export function finalizeHash(lo: number, hi: number): [number, number] {
  let a = lo >>> 0;
  let b = hi >>> 0;
  b = (b ^ mix32(a ^ kFeistelSalts[0])) >>> 0;
  a = (a ^ mix32(b ^ kFeistelSalts[1])) >>> 0;
  b = (b ^ mix32(a ^ kFeistelSalts[2])) >>> 0;
  return [a, b];
}

/** Hash of a pattern given as the global indices of its active neurons. */
export function patternHash(activeNeurons: Iterable<number>): [number, number] {
  let lo = 0;
  let hi = 0;
  for (const n of activeNeurons) {
    const [klo, khi] = neuronKey(n);
    lo ^= klo;
    hi ^= khi;
  }
  return finalizeHash(lo, hi);
}
