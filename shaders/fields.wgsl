// The fields pass: for every pixel, the forward pass with tangents, the pattern hash and the distance to the
// nearest neuron boundary, restricted to the first `layersShown` hidden layers.
//
// Perturbation form (deep zoom): the CPU computes every pre-activation at the view centre in float64 (`centre`);
// the GPU propagates differences from it, dz = z(x) - z(c) and dh = relu(z(x)) - relu(z(c)), so float32 keeps
// its relative precision near boundaries however far the view is zoomed. Coordinates are pixel offsets from the
// view centre: layer 0's weights arrive folded with the view map (src/model/view.ts).
//
// Coarse to fine: a frame at a stride s computes only the pixels whose coordinates are multiples of s (the pixels of
// a coarser stride 2s already done are skipped), numbered row by row on that grid, and marks them as done.
//
// One dispatch per (chunk of pixels, layer, part of the layer's neurons). Each invocation owns one pixel; a workgroup
// stages a kNeuronBlock x kInputBlock tile of the layer's weights in workgroup memory and runs its pixels against it.
// Activations of the chunk live in `scratchIn`/`scratchOut` as (dh, dh/du, dh/dv), neuron-major. The hash (an XOR)
// and the distance (a min) do not depend on the order of the parts; the theorem mode's per-layer sum and "a neuron of
// this layer is active" are carried from part to part in the record's output and outputSlope (written by the finish
// step only, after every layer).
//
// Compiled in variants (src/gpu/shaderSource.ts): OUTPUT also evaluates the network output (unit frame.outputUnit),
// DECISION every output unit and their argmax (the class, and the distance to the decision boundary), THEOREM
// accumulates the integrand of Hanin & Rolnick's main formula,
//   sum over neurons z of ||grad z|| rho_b(z - b_z) 1{dN/dZ != 0}   (src/analysis/theorem.ts is the oracle).
// A backward pass per pixel would need per-invocation arrays as long as a layer. Instead, for weights in general
// position (no zero weight, no exact cancellation) the indicator of a neuron of layer l is "every later hidden
// layer has an active neuron", so while the layers run in order each pixel keeps
//   T = (this layer has an active neuron ? T : 0) + sum over this layer of ||grad z|| rho_b(z - b_z),
// and T after the last layer run (layer k) is the integrand of the net truncated after layer k.

// Per-frame settings. Layout mirrored by kFrame in src/gpu/layout.ts.
struct Frame {
  width: u32,          // fields buffer width in pixels
  height: u32,         // fields buffer height in pixels
  layersShown: u32,    // k: the pattern and distance use hidden layers 0..k-1
  scratchStride: u32,  // pixels per chunk: the stride of one neuron's row in scratch
  u0: f32,             // pixel offset from the view centre of pixel (0, 0), x (right)
  v0: f32,             // pixel offset from the view centre of pixel (0, 0), y (down)
  gradientScale: f32,  // 1 / pixel size: turns per-pixel gradients into input units
  withoutBiasBase: u32, // index in `centre` of the first neuron's z(c) - b (float64 on the CPU, then rounded)
  inverseSigmaBase: u32, // index in `centre` of the first neuron's 1 / sigma_b in its own (balanced) scale
  stride: u32,         // pixels computed: multiples of stride in x and y
  gridWidth: u32,      // ceil(width / stride): the row length of the grid chunks count on
  coarse: u32,         // 2 * stride when the coarser grid is already done (its pixels are skipped), else 0
  tilesX: u32,         // 32 x 32 tiles per row, for the bits of the pixels done
  outputUnit: u32,     // the output unit shown (OUTPUT)
}

// The layer being computed (dynamic offset). Layout mirrored by kLayerStep.
struct LayerStep {
  index: u32,          // 0-based hidden layer index; the hidden layer count for the output step
  inDim: u32,          // fan-in
  outDim: u32,         // neurons
  weightOffset: u32,   // first weight in `weights` (row-major [outDim][inDim])
  neuronBase: u32,     // global index of the first neuron: hash keys and `centre` entries
}

// The pixels of this dispatch and its neurons of the layer (dynamic offset). Layout mirrored by kChunk.
struct Chunk {
  pixelBase: u32,      // first pixel (row-major index on the stride's grid)
  pixelCount: u32,     // pixels in the chunk
  neuronBegin: u32,    // the layer's neurons [neuronBegin, min(neuronEnd, outDim)): a wide layer takes several
  neuronEnd: u32,      // dispatches (a part each), so that no dispatch is longer than a step's time budget
}

@group(0) @binding(0) var<uniform> frame: Frame;
@group(0) @binding(1) var<uniform> step: LayerStep;
@group(0) @binding(2) var<uniform> chunk: Chunk;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read> centre: array<f32>;
@group(0) @binding(5) var<storage, read> scratchIn: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> scratchOut: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> fields: array<PixelField>;
// The frame's statistics (kStatsWords words from 0), then from kLabelsBase which pixels are done (regions.wgsl).
@group(0) @binding(8) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read_write> theorem: array<f32>;

var<workgroup> tile: array<f32, kNeuronBlock * kInputBlock>;

// Grid pixel g of the stride's grid, in fields-buffer coordinates.
fn gridPixel(g: u32) -> vec2<u32> {
  return vec2<u32>((g % frame.gridWidth) * frame.stride, (g / frame.gridWidth) * frame.stride);
}

// Done at a coarser stride: left as it is.
fn coarseDone(xy: vec2<u32>) -> bool {
  return frame.coarse != 0u && xy.x % frame.coarse == 0u && xy.y % frame.coarse == 0u;
}

// Input k of the current layer for chunk pixel p: (dh, dh/du, dh/dv).
fn layerInput(k: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  if (step.index == 0u) {
    return select(vec3<f32>(uv.y, 0.0, 1.0), vec3<f32>(uv.x, 1.0, 0.0), k == 0u);
  }
  return scratchIn[k * frame.scratchStride + p].xyz;
}

@compute @workgroup_size(kWorkgroupSize)
fn hiddenLayer(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let p = wid.x * kWorkgroupSize + lid;
  let xy = gridPixel(chunk.pixelBase + min(p, chunk.pixelCount - 1u));
  let inChunk = p < chunk.pixelCount && xy.x < frame.width && xy.y < frame.height && !coarseDone(xy);
  let pixel = xy.y * frame.width + xy.x;
  let uv = vec2<f32>(frame.u0 + f32(xy.x), frame.v0 + f32(xy.y));
  let shown = step.index < frame.layersShown;
  let neuronEnd = min(chunk.neuronEnd, step.outDim);
  var field = PixelField(0u, 0u, kNoBoundary, 0u, 0.0, 0.0);
  if (step.index > 0u || chunk.neuronBegin > 0u) {
    field = fields[pixel];
  }
#if THEOREM
  var layerActive = field.outputSlope != 0.0;
  var layerSum = field.output;
#endif

  for (var nb = chunk.neuronBegin; nb < neuronEnd; nb += kNeuronBlock) {
    var acc = array<vec3<f32>, kNeuronBlock>();
    for (var kb = 0u; kb < step.inDim; kb += kInputBlock) {
      for (var e = lid; e < kNeuronBlock * kInputBlock; e += kWorkgroupSize) {
        let n = nb + e / kInputBlock;
        let k = kb + e % kInputBlock;
        var w = 0.0;
        if (n < neuronEnd && k < step.inDim) {
          w = weights[step.weightOffset + n * step.inDim + k];
        }
        tile[e] = w;
      }
      workgroupBarrier();
      if (inChunk) {
        let kEnd = min(kInputBlock, step.inDim - kb);
        for (var k = 0u; k < kEnd; k++) {
          let h = layerInput(kb + k, p, uv);
          for (var t = 0u; t < kNeuronBlock; t++) {
            acc[t] += tile[t * kInputBlock + k] * h;
          }
        }
      }
      workgroupBarrier();
    }
    if (inChunk) {
      let tEnd = min(kNeuronBlock, neuronEnd - nb);
      for (var t = 0u; t < tEnd; t++) {
        let n = nb + t;
        let zc = centre[step.neuronBase + n];
        let dz = acc[t].x;
        let gradient = acc[t].yz;
        let isActive = zc + dz > 0.0;
        if (shown) {
          if (isActive) {
            let key = neuronKey(step.neuronBase + n);
            field.hashLo ^= key.x;
            field.hashHi ^= key.y;
          }
          let g2 = dot(gradient, gradient);
          if (g2 > 0.0) {
            let d = abs(zc + dz) / sqrt(g2);
            if (d < field.distance) {
              field.distance = d;
              field.layer = step.index + 1u;
            }
          }
#if THEOREM
          layerActive = layerActive || isActive;
          let inverseSigma = centre[frame.inverseSigmaBase + step.neuronBase + n];
          let r = (centre[frame.withoutBiasBase + step.neuronBase + n] + dz) * inverseSigma;
          layerSum += sqrt(g2) * exp(-0.5 * r * r) * inverseSigma;
#endif
        }
        let masked = select(vec2<f32>(0.0), gradient, isActive);
        scratchOut[n * frame.scratchStride + p] = vec4<f32>(reluDifference(zc, dz), masked, 0.0);
      }
    }
  }
  if (inChunk) {
#if THEOREM
    // The layer's sum and flag so far, for its next part; after its last part, T is updated and they start over.
    field.output = layerSum;
    field.outputSlope = select(0.0, 1.0, layerActive);
    if (shown && neuronEnd == step.outDim) {
      var reaching = 0.0;
      if (step.index > 0u && layerActive) {
        reaching = theorem[pixel];
      }
      // 1 / sqrt(2 pi) = 0.39894228.
      theorem[pixel] = reaching + layerSum * frame.gradientScale * 0.39894228;
      field.output = 0.0;
      field.outputSlope = 0.0;
    }
#endif
    fields[pixel] = field;
  }
}

// Output unit u's value and gradient (d/du, d/dv) at chunk pixel p: the output step's row u times the last layer.
fn outputMap(u: u32, p: u32) -> vec3<f32> {
  var acc = vec3<f32>(0.0);
  let row = step.weightOffset + u * step.inDim;
  for (var k = 0u; k < step.inDim; k++) {
    acc += weights[row + k] * scratchIn[k * frame.scratchStride + p].xyz;
  }
  return vec3<f32>(centre[step.neuronBase + u] + acc.x, acc.yz);
}

// Last step of a chunk: the network output (when asked for) and the hash finalizer.
@compute @workgroup_size(kWorkgroupSize)
fn finish(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  let xy = gridPixel(chunk.pixelBase + p);
  if (p >= chunk.pixelCount || xy.x >= frame.width || xy.y >= frame.height || coarseDone(xy)) {
    return;
  }
  let pixel = xy.y * frame.width + xy.x;
  var field = fields[pixel];
  let hash = finalizeHash(vec2<u32>(field.hashLo, field.hashHi));
  field.hashLo = hash.x;
  field.hashHi = hash.y;
  if (frame.coarse != 0u) {
    // Another region than the coarser grid's pixel at the corner of this one's block: how dense the regions are
    // at this stride (src/gpu/fieldsJob.ts decides from it whether the region-seeded pass would do better).
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
  // Every output unit's value and gradient at the pixel, then their argmax (the units are step.outDim <= kMaxOutputs).
  var maps: array<vec3<f32>, kMaxOutputs>;
  for (var u = 0u; u < step.outDim; u++) {
    maps[u] = outputMap(u, p);
  }
  let decision = decide(&maps, step.outDim);
  field.output = decision.x;
  field.outputSlope = decision.y;
  recordOutput(field.output);
#endif
#if THEOREM
  recordIntegrand(theorem[pixel]);
#endif
  fields[pixel] = field;
  let q = (xy.y % kTileSide) * kTileSide + xy.x % kTileSide;
  let tile = (xy.y / kTileSide) * frame.tilesX + xy.x / kTileSide;
  atomicOr(&counters[kLabelsBase + tile * kLabelWords + q / 32u], 1u << (q % 32u));
  atomicAdd(&counters[4], 1u);
  atomicAdd(&counters[1], 1u);
}
