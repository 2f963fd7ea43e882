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
