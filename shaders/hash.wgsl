// The 64-bit pattern hash, bit for bit as src/model/hash.ts.

// lowbias32: a bijective 32-bit mixer.
fn mix32(x: u32) -> u32 {
  var v = x;
  v = v ^ (v >> 16u);
  v = v * 0x7feb352du;
  v = v ^ (v >> 15u);
  v = v * 0x846ca68bu;
  v = v ^ (v >> 16u);
  return v;
}

// Zobrist key of global neuron index n.
fn neuronKey(n: u32) -> vec2<u32> {
  return vec2<u32>(mix32((2u * n) ^ kKeySalt), mix32((2u * n + 1u) ^ kKeySalt));
}

// 3-round Feistel finalizer: a bijection on 64 bits.
fn finalizeHash(h: vec2<u32>) -> vec2<u32> {
  var a = h.x;
  var b = h.y;
  b = b ^ mix32(a ^ kFeistelSalt0);
  a = a ^ mix32(b ^ kFeistelSalt1);
  b = b ^ mix32(a ^ kFeistelSalt2);
  return vec2<u32>(a, b);
}
