// The linear operations of a network graph (src/model/graph/graph.ts), shared by its two fields passes: the
// brute-force one (graph.wgsl) and the region-seeded one (graphRegions.wgsl). Each gives unit n of the current
// operation `op` at a pixel as (d, d/du, d/dv), from its inputs read with `element` (each pass has its own: scratch
// is laid out differently). Perturbation form: no biases (they cancel in the difference from the view centre).

// One operation. Layout mirrored by kGraphOp.
struct GraphOp {
  kind: u32,           // kOp* below
  size: u32,           // units of the output
  in0: u32,            // scratch slot of the input (kInputSlot: the plane's coordinates)
  in1: u32,            // scratch slot of the second input (add)
  out: u32,            // scratch slot of the output
  weights: u32,        // first weight in `weights`
  inDim: u32,          // dense: fan-in
  centreIn: u32,       // stages: index in `centre` of the input tensor
  centreOut: u32,      // max pool: index in `centre` of the output tensor
  stage: u32,          // stages: the stage's index
  unitBase: u32,       // stages: the first hash unit
  c: u32,              // input image C, H, W
  h: u32,
  w: u32,
  oc: u32,             // output image C, H, W
  oh: u32,
  ow: u32,
  kh: u32,             // window: kernel, strides, pads (top, left), dilations
  kw: u32,
  sh: u32,
  sw: u32,
  pt: u32,
  pl: u32,
  dh: u32,
  dw: u32,
  groups: u32,         // conv: groups; pad: channels added before
  countPad: u32,       // average pool: pads counted
  channelSize: u32,    // scale: elements of a channel
  alpha: f32,          // leaky relu: the negative slope
}

const kInputSlot: u32 = 0xffffffffu;
const kOpDense: u32 = 0u;
const kOpConv: u32 = 1u;
const kOpScale: u32 = 2u;
const kOpCopy: u32 = 3u;
const kOpAdd: u32 = 4u;
const kOpAvgPool: u32 = 5u;
const kOpPad: u32 = 6u;
const kOpRelu: u32 = 7u;
const kOpMaxPool: u32 = 8u;

// Input element of window position (i, j) of output (oy, ox), or -1 in the padding.
fn windowIndex(oy: u32, ox: u32, i: u32, j: u32) -> i32 {
  let y = i32(oy * op.sh + i * op.dh) - i32(op.pt);
  let x = i32(ox * op.sw + j * op.dw) - i32(op.pl);
  if (y < 0 || y >= i32(op.h) || x < 0 || x >= i32(op.w)) {
    return -1;
  }
  return y * i32(op.w) + x;
}

fn opDense(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  let row = op.weights + n * op.inDim;
  for (var k = 0u; k < op.inDim; k++) {
    acc += weights[row + k] * element(op.in0, k, p, uv);
  }
  return acc;
}

fn opConv(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  let plane = op.oh * op.ow;
  let o = n / plane;
  let oy = (n % plane) / op.ow;
  let ox = n % op.ow;
  let cig = op.c / op.groups;
  let g = o / (op.oc / op.groups);
  // The window's rows and columns inside the image, once for all channels (the rest is padding: zero).
  let y0 = i32(oy * op.sh) - i32(op.pt);
  let x0 = i32(ox * op.sw) - i32(op.pl);
  let iFirst = u32(clamp((-y0 + i32(op.dh) - 1) / i32(op.dh), 0, i32(op.kh)));
  let iEnd = u32(clamp((i32(op.h) - y0 + i32(op.dh) - 1) / i32(op.dh), 0, i32(op.kh)));
  let jFirst = u32(clamp((-x0 + i32(op.dw) - 1) / i32(op.dw), 0, i32(op.kw)));
  let jEnd = u32(clamp((i32(op.w) - x0 + i32(op.dw) - 1) / i32(op.dw), 0, i32(op.kw)));
  for (var ci = 0u; ci < cig; ci++) {
    let inBase = (g * cig + ci) * op.h * op.w;
    let kBase = op.weights + (o * cig + ci) * op.kh * op.kw;
    for (var i = iFirst; i < iEnd; i++) {
      let row = inBase + u32(y0 + i32(i * op.dh)) * op.w;
      for (var j = jFirst; j < jEnd; j++) {
        acc += weights[kBase + i * op.kw + j] * element(op.in0, row + u32(x0 + i32(j * op.dw)), p, uv);
      }
    }
  }
  return acc;
}

fn opScale(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  acc = weights[op.weights + n / op.channelSize] * element(op.in0, n, p, uv);
  return acc;
}

fn opCopy(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  acc = element(op.in0, n, p, uv);
  return acc;
}

fn opAdd(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  acc = element(op.in0, n, p, uv) + element(op.in1, n, p, uv);
  return acc;
}

fn opAvgPool(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  let plane = op.oh * op.ow;
  let inBase = (n / plane) * op.h * op.w;
  let oy = (n % plane) / op.ow;
  let ox = n % op.ow;
  var count = 0u;
  for (var i = 0u; i < op.kh; i++) {
    for (var j = 0u; j < op.kw; j++) {
      let k = windowIndex(oy, ox, i, j);
      if (k >= 0) {
        acc += element(op.in0, inBase + u32(k), p, uv);
        count++;
      } else if (op.countPad != 0u) {
        count++;
      }
    }
  }
  acc /= f32(max(count, 1u));
  return acc;
}

fn opPad(n: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  let plane = op.oh * op.ow;
  let ch = i32(n / plane) - i32(op.groups);
  let y = i32((n % plane) / op.ow) - i32(op.pt);
  let x = i32(n % op.ow) - i32(op.pl);
  if (ch >= 0 && ch < i32(op.c) && y >= 0 && y < i32(op.h) && x >= 0 && x < i32(op.w)) {
    acc = element(op.in0, (u32(ch) * op.h + u32(y)) * op.w + u32(x), p, uv);
  }
  return acc;
}

