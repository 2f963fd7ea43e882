// Shared by the fields and colour passes. Layout mirrored by kPixelField in src/gpu/layout.ts.

// The per-pixel result of the fields pass.
struct PixelField {
  hashLo: u32,       // pattern hash, low word (raw XOR of active neuron keys until the finish step)
  hashHi: u32,       // pattern hash, high word
  distance: f32,     // gradient-normalized distance to the nearest boundary, in pixels (kNoBoundary if none)
  layer: u32,        // 1-based hidden layer of the nearest neuron, 0 if none
  output: f32,       // network output (the unit shown); decision mode: the class (an integer)
  outputSlope: f32,  // norm of the output's gradient, per pixel; decision mode: distance to the decision boundary (px)
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

// The decision mode: the class of the largest of the m output maps (value at the pixel, d/du, d/dv), ties to the
// lowest index (numpy's and PyTorch's argmax), and the distance in pixels to the nearest line where another unit
// overtakes it within the region, min over j of (o_c - o_j) / |grad (o_c - o_j)| (kNoBoundary: none). One unit gives
// two classes: 0 where it is <= 0, 1 where it is > 0 (the unit against a constant 0). Returns (class, distance).
// The same as src/model/oracle.ts `decide`.
fn decide(maps: ptr<function, array<vec3<f32>, kMaxOutputs>>, units: u32) -> vec2<f32> {
  var m = units;
  if (m == 1u) {
    (*maps)[1] = (*maps)[0];
    (*maps)[0] = vec3<f32>(0.0);
    m = 2u;
  }
  var best = 0u;
  for (var k = 1u; k < m; k++) {
    if ((*maps)[k].x > (*maps)[best].x) {
      best = k;
    }
  }
  var distance = kNoBoundary;
  let top = (*maps)[best];
  for (var k = 0u; k < m; k++) {
    let g = top.yz - (*maps)[k].yz;
    let g2 = dot(g, g);
    if (k != best && g2 > 0.0) {
      distance = min(distance, (top.x - (*maps)[k].x) / sqrt(g2));
    }
  }
  return vec2<f32>(f32(best), distance);
}
