// Shared by the fields and colour passes. Layout mirrored by kPixelField in src/gpu/layout.ts.

// The per-pixel result of the fields pass.
struct PixelField {
  hashLo: u32,       // pattern hash, low word (raw XOR of active neuron keys until the finish step)
  hashHi: u32,       // pattern hash, high word
  distance: f32,     // gradient-normalized distance to the nearest boundary, in pixels (kNoBoundary if none)
  layer: u32,        // 1-based hidden layer of the nearest neuron, 0 if none
  output: f32,       // network output (first unit)
  outputSlope: f32,  // norm of the output's gradient, per pixel
}

// An order-preserving map of f32 to u32: atomicMax over keys is a max over values, over ~keys a min (the statistics of
// the output's range, decoded by fromOrderedKey and in src/gpu/renderer.ts).
fn orderedKey(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  return select(bits | 0x80000000u, ~bits, (bits & 0x80000000u) != 0u);
}

fn fromOrderedKey(key: u32) -> f32 {
  return bitcast<f32>(select(~key, key & 0x7fffffffu, (key & 0x80000000u) != 0u));
}
