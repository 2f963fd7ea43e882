// The colour pass: turns the fields into pixels. One fragment per field pixel (the target has the fields' size).
// A computation in progress (kPartial) is shown as far as it went: each pixel takes its own fields when done, else those
// of its block's corner on the grid computed now when that one is done, else on the finest grid completed (`labels`),
// so a coarse picture sharpens (three reads of the marks at most, whatever the grids).
// The colour mode and kPartial are pipeline constants, not uniforms: each pipeline compiles only its own mode's code
// (a switch on a uniform costs every case at every pixel on SwiftShader: 4x slower at 1280 x 800).

// Index into kColourModes: regions, edges, distance, layers, output, theorem, decision.
override kMode: u32 = 0u;
// A computation in progress (a preview): see `source`.
override kPartial: bool = false;

// Layout mirrored by kColourParams in src/gpu/layout.ts.
struct ColourParams {
  width: u32,        // fields width in pixels
  height: u32,       // fields height in pixels
  palette: u32,      // index into kPalettes: vivid, pastel, grey
  edgeWidth: f32,    // edge width in screen pixels (0: no edges)
  layersShown: u32,  // k, for the colours of the layer mode
  outputLow: f32,    // the output scale's range [outputLow, outputHigh]; both 0: this frame's own (stats[5], [6])
  imageWidth: u32,   // width of the whole image (tiles of a large image share it), for the distance shading
  theoremScale: f32, // integrand at the top of the theorem colour scale; 0: the largest of this frame (stats[2])
  finestDone: u32,   // a computation in progress: the stride of its finest grid completed (0: none yet)
  computing: u32,    // a computation in progress: the stride of the grid it computes now (0: none of it done yet)
  tilesX: u32,       // 32 x 32 tiles per row, for `labels`
  outputHigh: f32,   // see outputLow (a tile of a large picture gets the whole picture's range)
}

@group(0) @binding(0) var<uniform> params: ColourParams;
@group(0) @binding(1) var<storage, read> fields: array<PixelField>;
@group(0) @binding(2) var<storage, read> stats: array<u32>;
// The main formula's integrand per pixel (written by the fields pass in theorem mode only).
@group(0) @binding(3) var<storage, read> theorem: array<f32>;
// Which pixels a computation in progress did: a bit a pixel, kTilePixels / 32 words a tile (regions.wgsl).
@group(0) @binding(4) var<storage, read> labels: array<u32>;

fn done(x: u32, y: u32) -> bool {
  let tile = (y / kTileSide) * params.tilesX + x / kTileSide;
  let q = (y % kTileSide) * kTileSide + x % kTileSide;
  return ((labels[tile * kLabelWords + q / 32u] >> (q % 32u)) & 1u) == 1u;
}

// The pixel whose fields colour pixel (i, j): itself when done, else its block's corner on the grid computed now, else
// on the finest grid completed; width * height when none is done. Only a preview (kPartial) looks for one.
fn source(i: u32, j: u32) -> u32 {
  if (kPartial && params.computing == 0u && params.finestDone > 0u) {
    // Only the finest grid done: its block's corner, no mark read (a preview right after a grid: most of them).
    return (j - j % params.finestDone) * params.width + i - i % params.finestDone;
  }
  if (!kPartial || done(i, j)) {
    return j * params.width + i;
  }
  for (var k = 0u; k < 2u; k++) {
    let s = select(params.finestDone, params.computing, k == 0u);
    if (s > 1u) {
      let x = i - i % s;
      let y = j - j % s;
      if (done(x, y)) {
        return y * params.width + x;
      }
    }
  }
  return params.width * params.height;
}

// OKLCh (lightness, chroma, hue in turns) to gamma-encoded sRGB.
fn oklch(l: f32, c: f32, h: f32) -> vec3<f32> {
  let a = c * cos(6.2831853 * h);
  let b = c * sin(6.2831853 * h);
  let l_ = l + 0.3963377774 * a + 0.2158037573 * b;
  let m_ = l - 0.1055613458 * a - 0.0638541728 * b;
  let s_ = l - 0.0894841775 * a - 1.2914855480 * b;
  let lms = vec3<f32>(l_ * l_ * l_, m_ * m_ * m_, s_ * s_ * s_);
  let rgb = vec3<f32>(
    4.0767416621 * lms.x - 3.3077115913 * lms.y + 0.2309699292 * lms.z,
    -1.2684380046 * lms.x + 2.6097574011 * lms.y - 0.3413193965 * lms.z,
    -0.0041960863 * lms.x - 0.7034186147 * lms.y + 1.7076147010 * lms.z,
  );
  return encodeSrgb(clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0)));
}

fn encodeSrgb(c: vec3<f32>) -> vec3<f32> {
  let lo = c * 12.92;
  let hi = 1.055 * pow(c, vec3<f32>(1.0 / 2.4)) - 0.055;
  return select(hi, lo, c <= vec3<f32>(0.0031308));
}

// Polynomial fit of viridis (t in [0, 1]), already gamma-encoded.
fn viridis(t: f32) -> vec3<f32> {
  let c0 = vec3<f32>(0.2777273272, 0.0054073445, 0.3340998053);
  let c1 = vec3<f32>(0.1050930431, 1.4046135299, 1.3845901626);
  let c2 = vec3<f32>(-0.3308618287, 0.2148475595, 0.0950951630);
  let c3 = vec3<f32>(-4.6342304990, -5.7991009734, -19.3324409563);
  let c4 = vec3<f32>(6.2282699363, 14.1799333668, 56.6905526007);
  let c5 = vec3<f32>(4.7763849977, -13.7451453777, -65.3530326334);
  let c6 = vec3<f32>(-5.4354558559, 4.6458526122, 26.3124352496);
  return clamp(c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6))))), vec3<f32>(0.0), vec3<f32>(1.0));
}

// A region's colour from its hash: hue from 16 bits, lightness and chroma from others, so that two regions
// differing in one neuron (independent hashes) rarely look alike.
fn regionColour(f: PixelField) -> vec3<f32> {
  let hue = f32(f.hashLo & 0xffffu) / 65536.0;
  let level = f32((f.hashLo >> 16u) & 3u) / 3.0;
  let tone = f32((f.hashHi >> 8u) & 1u);
  if (params.palette == 1u) {
    return oklch(0.84 + 0.08 * level, 0.05 + 0.03 * tone, hue);
  }
  if (params.palette == 2u) {
    return oklch(0.45 + 0.5 * (f32(f.hashHi & 0xffu) / 255.0), 0.0, 0.0);
  }
  return oklch(0.58 + 0.22 * level, 0.11 + 0.05 * tone, hue);
}

// Coverage of a line of width params.edgeWidth at distance d (pixels): anti-aliased over one pixel.
fn edgeCoverage(d: f32, width: f32) -> f32 {
  if (width <= 0.0) {
    return 0.0;
  }
  return clamp(0.5 * width + 0.5 - d, 0.0, 1.0);
}

fn layerColour(layer: u32) -> vec3<f32> {
  let k = max(params.layersShown, 1u);
  return oklch(0.55, 0.16, f32(layer - 1u) / f32(k) + 0.05);
}

// Output mode: warm for positive outputs, cold for negative, darker further from zero. When the outputs' range (the
// frame's, or the one given) changes sign white is 0 and the scale symmetric; when it does not, the scale spans the
// range (its least |output| white), so that a view far from the zero set is not one flat colour.
// `lines`: 1 draws the kinks and the zero contour, 0 (a preview) neither.
fn outputColour(f: PixelField, lines: f32) -> vec3<f32> {
  let given = params.outputLow != 0.0 || params.outputHigh != 0.0;
  var low = select(fromOrderedKey(~stats[5]), params.outputLow, given);
  var high = select(fromOrderedKey(stats[6]), params.outputHigh, given);
  if (!given && stats[6] == 0u) {
    low = 0.0;
    high = 0.0;
  }
  if (low <= 0.0 && high >= 0.0) {
    high = max(max(-low, high), 1e-30);
    low = 0.0;
  } else if (high < 0.0) {
    let top = -low;
    low = -high;
    high = top;
  }
  let t = clamp((abs(f.output) - low) / max(high - low, 1e-30), 0.0, 1.0);
  let s = sqrt(t);
  let warm = oklch(0.97 - 0.42 * s, 0.17 * s, 0.08);
  let cold = oklch(0.97 - 0.42 * s, 0.15 * s, 0.68);
  var colour = select(cold, warm, f.output > 0.0);
  let kink = edgeCoverage(f.distance, params.edgeWidth) * 0.35 * lines;
  colour = mix(colour, vec3<f32>(0.25), kink);
  var contour = 0.0;
  if (f.outputSlope > 0.0) {
    contour = edgeCoverage(abs(f.output) / f.outputSlope, max(params.edgeWidth, 1.0) * 1.5);
  }
  return mix(colour, vec3<f32>(0.0), contour * lines);
}

// Decision mode: Tableau 10 for the first ten classes (gamma-encoded sRGB), then OKLCh hues a golden angle apart.
const kClassColours = array<vec3<f32>, 10>(
  vec3<f32>(78.0, 121.0, 167.0) / 255.0,
  vec3<f32>(242.0, 142.0, 43.0) / 255.0,
  vec3<f32>(225.0, 87.0, 89.0) / 255.0,
  vec3<f32>(118.0, 183.0, 178.0) / 255.0,
  vec3<f32>(89.0, 161.0, 79.0) / 255.0,
  vec3<f32>(237.0, 201.0, 72.0) / 255.0,
  vec3<f32>(176.0, 122.0, 161.0) / 255.0,
  vec3<f32>(255.0, 157.0, 167.0) / 255.0,
  vec3<f32>(156.0, 117.0, 95.0) / 255.0,
  vec3<f32>(186.0, 176.0, 172.0) / 255.0,
);

fn classColour(k: u32) -> vec3<f32> {
  if (k < 10u) {
    return kClassColours[k];
  }
  return oklch(0.6 + 0.15 * f32((k / 10u) % 2u), 0.12, fract(0.03 + f32(k) * 0.381966));
}

// Decision mode: the class's colour, the region edges thin and muted, the decision boundaries (where the argmax
// changes) a dark line at least 2 px wide, anti-aliased like the edges. `boundary` is the boundary's coverage.
fn decisionColour(f: PixelField, edge: f32, boundary: f32) -> vec3<f32> {
  let colour = mix(classColour(u32(max(f.output, 0.0))), vec3<f32>(0.25), edge * 0.35);
  return mix(colour, vec3<f32>(0.05), boundary);
}

// Theorem mode: viridis of the integrand (expected boundary length per unit area) over the largest in the picture.
fn theoremColour(integrand: f32) -> vec3<f32> {
  let scale = max(select(bitcast<f32>(stats[2]), params.theoremScale, params.theoremScale > 0.0), 1e-30);
  return viridis(clamp(integrand / scale, 0.0, 1.0));
}

@fragment
fn colourPixel(@builtin(position) position: vec4<f32>) -> @location(0) vec4<f32> {
  let i = min(u32(position.x), params.width - 1u);
  let j = min(u32(position.y), params.height - 1u);
  let pixel = source(i, j);
  if (pixel == params.width * params.height) {
    return vec4<f32>(0.12, 0.12, 0.12, 1.0);
  }
  let f = fields[pixel];
  var edge = edgeCoverage(f.distance, params.edgeWidth);
  var boundary = edgeCoverage(f.outputSlope, 2.0 * max(params.edgeWidth, 1.0));
  // A preview (a computation in progress): the regions as blocks of their grid pixels, without edges, decision
  // boundaries or contours, which only the finished picture draws exactly (block borders would pass for edges).
  let lines = select(1.0, 0.0, kPartial);
  edge *= lines;
  boundary *= lines;
  var colour: vec3<f32>;
  switch kMode {
    case 1u: {
      // Edges on white; a preview, which has none yet, tints its blocks faintly by region instead.
      colour = mix(mix(vec3<f32>(1.0), regionColour(f), 0.25 * (1.0 - lines)), vec3<f32>(0.0), edge);
    }
    case 2u: {
      let t = clamp(log2(1.0 + f.distance) / log2(1.0 + 0.25 * f32(params.imageWidth)), 0.0, 1.0);
      colour = mix(viridis(t), vec3<f32>(1.0), edge * 0.6);
    }
    case 3u: {
      colour = mix(vec3<f32>(0.97), layerColour(max(f.layer, 1u)), edge);
    }
    case 4u: {
      colour = outputColour(f, lines);
    }
    case 5u: {
      colour = mix(theoremColour(theorem[pixel]), vec3<f32>(1.0), edge * 0.6);
    }
    case 6u: {
      colour = decisionColour(f, edge, boundary);
    }
    default: {
      colour = mix(regionColour(f), vec3<f32>(0.08), edge);
    }
  }
  return vec4<f32>(colour, 1.0);
}
