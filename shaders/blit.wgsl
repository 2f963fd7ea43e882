// The preview pass: draws the last finished picture under a new view at once (scaled and shifted), while the
// picture of the new view is being computed. Target pixel x shows source pixel (x - offset) / scale.

// Layout mirrored by kBlitParams in src/gpu/layout.ts.
struct BlitParams {
  scale: f32,     // target pixels per source pixel
  offsetX: f32,   // target position of source pixel (0, 0)'s corner, x
  offsetY: f32,   // target position of source pixel (0, 0)'s corner, y
  sourceWidth: f32,
  sourceHeight: f32,
}

@group(0) @binding(0) var<uniform> blit: BlitParams;
@group(0) @binding(1) var source: texture_2d<f32>;
@group(0) @binding(2) var sourceSampler: sampler;

@fragment
fn preview(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
  let p = (position.xy - vec2<f32>(blit.offsetX, blit.offsetY)) / blit.scale;
  let size = vec2<f32>(blit.sourceWidth, blit.sourceHeight);
  let colour = textureSampleLevel(source, sourceSampler, p / size, 0.0);
  let inside = all(p >= vec2<f32>(0.0)) && all(p < size);
  return select(vec4<f32>(0.12, 0.12, 0.12, 1.0), colour, inside);
}
