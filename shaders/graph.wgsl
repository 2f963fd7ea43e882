// The fields pass of a network graph (src/model/graph/graph.ts), brute force: for every pixel, the forward pass with
// tangents through the graph's operations, the pattern hash and the distance to the nearest boundary of the first
// `stagesShown` stages (relu / leakyRelu units, max-pool windows). src/gpu/graphPass.ts drives it.
//
// Perturbation form, as fields.wgsl: the CPU computes every tensor at the view centre in float64 (`centre`); the GPU
// propagates differences from it, so linear operations drop their biases and a stage compares c + d with 0 (or with
// the window's other candidates). Coordinates are pixel offsets from the view centre; tangents are per pixel.
//
// One dispatch per (chunk of pixels, operation, part of its units): x over the chunk's pixels, y over the units.
// Tensors of the chunk live in `scratch` as (d, d/du, d/dv) in slots assigned by liveness, unit-major. A stage folds
// its units into the pixel's accumulator with atomics (XOR of hash keys; per stage, the least distance as the max of
// its complemented bits), read by the finish step.

// Per-frame settings. Layout mirrored by kGraphFrame in src/gpu/layout.ts.
struct GraphFrame {
  width: u32,          // fields buffer width in pixels
  height: u32,         // fields buffer height in pixels
  stagesShown: u32,    // k: the pattern and distance use stages 0..k-1
  scratchStride: u32,  // pixels per chunk: the stride of one unit's row in scratch
  u0: f32,             // pixel offset from the view centre of pixel (0, 0), x (right)
  v0: f32,             // pixel offset from the view centre of pixel (0, 0), y (down)
  pixelSize: f32,      // input units per pixel
  stride: u32,         // pixels computed: multiples of stride in x and y
  gridWidth: u32,      // ceil(width / stride)
  coarse: u32,         // 2 * stride when the coarser grid is already done, else 0
  tilesX: u32,         // 32 x 32 tiles per row, for the bits of the pixels done
  outputUnit: u32,     // the output unit shown (OUTPUT)
  outputSlot: u32,     // scratch slot of the output tensor
  outputCentre: u32,   // index in `centre` of the output tensor
  outputUnits: u32,    // units of the output tensor
  accumWords: u32,     // words of a pixel's accumulator: 2 + stages
}

// The pixels of this dispatch and its units of the operation (dynamic offset). Layout mirrored by kChunk.
struct Chunk {
  pixelBase: u32,
  pixelCount: u32,
  neuronBegin: u32,
  neuronEnd: u32,
}

@group(0) @binding(0) var<uniform> frame: GraphFrame;
@group(0) @binding(1) var<uniform> op: GraphOp;
@group(0) @binding(2) var<uniform> chunk: Chunk;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read> centre: array<f32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> accum: array<atomic<u32>>;
@group(0) @binding(7) var<storage, read_write> fields: array<PixelField>;
@group(0) @binding(8) var<storage, read_write> counters: array<atomic<u32>>;

fn gridPixel(g: u32) -> vec2<u32> {
  return vec2<u32>((g % frame.gridWidth) * frame.stride, (g / frame.gridWidth) * frame.stride);
}

fn coarseDone(xy: vec2<u32>) -> bool {
  return frame.coarse != 0u && xy.x % frame.coarse == 0u && xy.y % frame.coarse == 0u;
}

// Element k of the tensor in `slot` for chunk pixel p: (d, d/du, d/dv). The input is the plane's point
// (x, y) = (cx + u s, cy - v s) less the centre.
fn element(slot: u32, k: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  if (slot == kInputSlot) {
    let s = frame.pixelSize;
    return select(vec3<f32>(-uv.y * s, 0.0, -s), vec3<f32>(uv.x * s, s, 0.0), k == 0u);
  }
  return scratch[(slot + k) * frame.scratchStride + p].xyz;
}

// Folds a boundary at distance d (pixels) of the current stage into the pixel's accumulator.
fn recordDistance(p: u32, d: f32) {
  atomicMax(&accum[p * frame.accumWords + 2u + op.stage], ~bitcast<u32>(d));
}

fn recordUnit(p: u32, unit: u32) {
  let key = neuronKey(unit);
  atomicXor(&accum[p * frame.accumWords], key.x);
  atomicXor(&accum[p * frame.accumWords + 1u], key.y);
}

// A relu / leaky relu unit: its pattern bit, its boundary, and the difference of its output from the centre's.
fn relu(n: u32, p: u32, uv: vec2<f32>, shown: bool) -> vec3<f32> {
  let z = element(op.in0, n, p, uv);
  let zc = centre[op.centreIn + n];
  let total = zc + z.x;
  let on = total > 0.0;
  if (shown) {
    if (on) {
      recordUnit(p, op.unitBase + n);
    }
    let g2 = dot(z.yz, z.yz);
    if (g2 > 0.0) {
      recordDistance(p, abs(total) / sqrt(g2));
    }
  }
  // f(zc + dz) - f(zc), f(z) = z or alpha z: exact (slope * dz) where the side does not change.
  let slope = select(op.alpha, 1.0, on);
  let centreSlope = select(op.alpha, 1.0, zc > 0.0);
  let difference = select(slope * total - centreSlope * zc, slope * z.x, on == (zc > 0.0));
  return vec3<f32>(difference, slope * z.yz);
}

// A max-pool window: the position of its maximum, the ties with the others, and the maximum's difference.
fn maxPool(n: u32, p: u32, uv: vec2<f32>, shown: bool) -> vec3<f32> {
  let plane = op.oh * op.ow;
  let inBase = (n / plane) * op.h * op.w;
  let oy = (n % plane) / op.ow;
  let ox = n % op.ow;
  var best = 0u;
  var bestK = -1;
  var top = vec3<f32>(0.0);
  for (var i = 0u; i < op.kh; i++) {
    for (var j = 0u; j < op.kw; j++) {
      let k = windowIndex(oy, ox, i, j);
      if (k < 0) {
        continue;
      }
      let e = element(op.in0, inBase + u32(k), p, uv);
      let v = vec3<f32>(centre[op.centreIn + inBase + u32(k)] + e.x, e.yz);
      if (bestK < 0 || v.x > top.x) {
        best = i * op.kw + j;
        bestK = k;
        top = v;
      }
    }
  }
  if (shown) {
    recordUnit(p, op.unitBase + n * op.kh * op.kw + best);
    for (var i = 0u; i < op.kh; i++) {
      for (var j = 0u; j < op.kw; j++) {
        let k = windowIndex(oy, ox, i, j);
        if (k < 0 || k == bestK) {
          continue;
        }
        let e = element(op.in0, inBase + u32(k), p, uv);
        let g = top.yz - e.yz;
        let g2 = dot(g, g);
        if (g2 > 0.0) {
          recordDistance(p, (top.x - (centre[op.centreIn + inBase + u32(k)] + e.x)) / sqrt(g2));
        }
      }
    }
  }
  return vec3<f32>(top.x - centre[op.centreOut + n], top.yz);
}

// The units of this dispatch that invocation gid computes, and its pixel: (first, end, p), or end = first for none.
// The part's units are split evenly over the dispatch's rows: an invocation computes a run of them (few long
// invocations: on SwiftShader an invocation's start costs more than a unit of a convolution).
fn unitsOf(gid: vec3<u32>, rows: u32) -> vec3<u32> {
  let p = gid.x;
  let end = min(chunk.neuronEnd, op.size);
  let per = (end - chunk.neuronBegin + rows - 1u) / rows;
  let first = chunk.neuronBegin + gid.y * per;
  if (p >= chunk.pixelCount) {
    return vec3<u32>(first, first, p);
  }
  let xy = gridPixel(chunk.pixelBase + p);
  if (xy.x >= frame.width || xy.y >= frame.height || coarseDone(xy)) {
    return vec3<u32>(first, first, p);
  }
  return vec3<u32>(first, min(end, first + per), p);
}

fn pixelUv(p: u32) -> vec2<f32> {
  let xy = gridPixel(chunk.pixelBase + p);
  return vec2<f32>(frame.u0 + f32(xy.x), frame.v0 + f32(xy.y));
}

fn store(n: u32, p: u32, value: vec3<f32>) {
  scratch[(op.out + n) * frame.scratchStride + p] = vec4<f32>(value, 0.0);
}

@compute @workgroup_size(kWorkgroupSize)
fn opDenseStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opDense(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opConvStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opConv(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opScaleStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opScale(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opCopyStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opCopy(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opAddStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opAdd(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opAvgPoolStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opAvgPool(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opPadStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, opPad(n, r.z, uv));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opReluStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  let shown = op.stage < frame.stagesShown;
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, relu(n, r.z, uv, shown));
  }
}

@compute @workgroup_size(kWorkgroupSize)
fn opMaxPoolStep(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let r = unitsOf(gid, groups.y);
  let uv = pixelUv(r.z);
  let shown = op.stage < frame.stagesShown;
  for (var n = r.x; n < r.y; n++) {
    store(n, r.z, maxPool(n, r.z, uv, shown));
  }
}

// Output unit u at chunk pixel p: (value, d/du, d/dv).
fn outputMap(u: u32, p: u32) -> vec3<f32> {
  let e = scratch[(frame.outputSlot + u) * frame.scratchStride + p].xyz;
  return vec3<f32>(centre[frame.outputCentre + u] + e.x, e.yz);
}

// Last step of a chunk: the accumulators into the pixel's record, the output when asked for, the hash finalizer.
@compute @workgroup_size(kWorkgroupSize)
fn finish(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  let xy = gridPixel(chunk.pixelBase + p);
  if (p >= chunk.pixelCount || xy.x >= frame.width || xy.y >= frame.height || coarseDone(xy)) {
    return;
  }
  let pixel = xy.y * frame.width + xy.x;
  let base = p * frame.accumWords;
  var field = PixelField(0u, 0u, kNoBoundary, 0u, 0.0, 0.0);
  for (var s = 0u; s < min(frame.stagesShown, frame.accumWords - 2u); s++) {
    let key = atomicLoad(&accum[base + 2u + s]);
    if (key != 0u) {
      let d = bitcast<f32>(~key);
      if (d < field.distance) {
        field.distance = d;
        field.layer = s + 1u;
      }
    }
  }
  let hash = finalizeHash(vec2<u32>(atomicLoad(&accum[base]), atomicLoad(&accum[base + 1u])));
  // The accumulator starts over for the pixel of the next chunk that has this index.
  for (var w = 0u; w < frame.accumWords; w++) {
    atomicStore(&accum[base + w], 0u);
  }
  field.hashLo = hash.x;
  field.hashHi = hash.y;
  if (frame.coarse != 0u) {
    let parent = fields[(xy.y - xy.y % frame.coarse) * frame.width + xy.x - xy.x % frame.coarse];
    if (parent.hashLo != hash.x || parent.hashHi != hash.y) {
      atomicAdd(&counters[7], 1u);
    }
  }
#if OUTPUT
  let map = outputMap(frame.outputUnit, p);
  field.output = map.x;
  field.outputSlope = length(map.yz);
  recordOutput(field.output);
#endif
#if DECISION
  var maps: array<vec3<f32>, kMaxOutputs>;
  for (var u = 0u; u < frame.outputUnits; u++) {
    maps[u] = outputMap(u, p);
  }
  let decision = decide(&maps, frame.outputUnits);
  field.output = decision.x;
  field.outputSlope = decision.y;
  recordOutput(field.output);
#endif
  fields[pixel] = field;
  let q = (xy.y % kTileSide) * kTileSide + xy.x % kTileSide;
  let tile = (xy.y / kTileSide) * frame.tilesX + xy.x / kTileSide;
  atomicOr(&counters[kLabelsBase + tile * kLabelWords + q / 32u], 1u << (q % 32u));
  atomicAdd(&counters[4], 1u);
  atomicAdd(&counters[1], 1u);
}
