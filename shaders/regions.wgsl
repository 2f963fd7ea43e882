// The region-seeded fields pass ("fast"): the same per-pixel fields as fields.wgsl with far fewer network
// evaluations. Regions are convex and one evaluation at a pixel p gives every neuron's affine map on p's whole
// region R: z_n(x) = z_n(p) + g_n . (x - p). So, per tile of kTileSide^2 pixels (kPixelsPerThread for each of the
// kTilePixels / kPixelsPerThread invocations of a workgroup), repeat until every pixel is labelled:
//   pick the first unlabelled pixel p (the seed) and evaluate the net there (the workgroup shares the work);
//   keep the neurons whose lines cross the tile (needed for the sign tests) and those whose lines may be the
//   nearest to some tile pixel (distance from the tile centre <= nearest + 2 * half-diagonal);
//   every unlabelled pixel that passes the sign tests of the crossing lines lies in R: it gets R's hash, its
//   distance (min over the kept lines), its nearest layer and the output of R's affine output map.
// A line that misses the tile keeps its sign over the whole tile, so the tests are exact; the seed always passes
// its own tests, so every round labels at least one pixel. Evaluations: one per (region, tile) pair.
// Evaluations use the same perturbation form as fields.wgsl (differences from the view centre, in pixel units).
//
// Bounded and progressive: a dispatch evaluates at most chunk.maxSeeds seeds per tile, and only the pixels on the
// grid of frame.stride (every stride-th pixel in x and y: a coarse picture, exact at its own pixels). Which pixels
// are done is kept in `counters` (a bit per pixel, then a word per tile saying the tile is done at this stride), so
// the next dispatch goes on where this one stopped, and a finer stride fills in the pixels between.
//
// Compiled in variants: OUTPUT also gives the output's affine map on each region (unit frame.outputUnit); DECISION
// the affine maps of every output unit (at most kMaxOutputs, in workgroup memory; an invocation a group of four units)
// and each pixel their argmax, the class, and its distance to the decision boundary; THEOREM gives each pixel the
// integrand of Hanin & Rolnick's main formula, sum over neurons z of ||grad z|| rho_b(z - b_z) 1{dN/dZ != 0}, from
// every neuron's affine map on the region (O(#neurons) a pixel, no forward pass per pixel). The indicator of a
// neuron of layer l is, for weights in general position, "every later layer shown has an active neuron": constant
// on a region (src/analysis/theorem.ts is the oracle).

// Per-frame settings. Layout mirrored by kRegionsFrame in src/gpu/layout.ts.
struct RegionsFrame {
  width: u32,          // fields buffer width in pixels
  height: u32,         // fields buffer height in pixels
  layersShown: u32,    // k: the pattern and distance use hidden layers 0..k-1
  layersRun: u32,      // layers evaluated: k, or all of them when the output is needed
  tilesX: u32,         // tiles per row
  slotStride: u32,     // vec4s of scratch a workgroup owns: two activation rows, kept lines, the theorem's list
  maxWidth: u32,       // widest layer: the length of an activation row
  neurons: u32,        // hidden neurons: the room for kept lines, and the theorem's list
  u0: f32,             // pixel offset from the view centre of pixel (0, 0), x (right)
  v0: f32,             // pixel offset from the view centre of pixel (0, 0), y (down)
  stride: u32,         // only pixels whose coordinates are multiples of this are labelled (coarse to fine)
  tiles: u32,          // tiles of the fields buffer: the per-tile words start after their bits
  gradientScale: f32,  // 1 / pixel size: turns per-pixel gradients into input units (theorem)
  withoutBiasBase: u32, // index in `centre` of the first neuron's z(c) - b (theorem)
  inverseSigmaBase: u32, // index in `centre` of the first neuron's 1 / sigma_b in its own scale (theorem)
  labelsSet: u32,      // 0: no pixel is marked done yet (the first grid of a picture): the marks are not read
  outputUnit: u32,     // the output unit shown (OUTPUT)
}

// A layer, hidden or the output (the last entry). Layout mirrored by kLayerInfo.
struct LayerInfo {
  inDim: u32,          // fan-in
  outDim: u32,         // neurons (the output's units for the output)
  weightOffset: u32,   // first vec4 in `weights`: transposed, [inDim][ceil(outDim / 4)] groups of four neurons
  neuronBase: u32,     // global index of the first neuron: hash keys and `centre` entries
}

// The tiles of one step, at a dynamic offset. Layout mirrored by kTileChunk.
struct TileChunk {
  tileBase: u32,       // first entry of `tileIds` this step labels
  tileCount: u32,      // tiles in this step (one workgroup each)
  maxSeeds: u32,       // evaluations a tile may do in this step (the step's time bound)
}

@group(0) @binding(0) var<uniform> frame: RegionsFrame;
@group(0) @binding(1) var<uniform> chunk: TileChunk;
@group(0) @binding(2) var<storage, read> layers: array<LayerInfo>;
@group(0) @binding(3) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> centre: array<f32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> fields: array<PixelField>;
// The frame's statistics (kStatsWords words from 0, src/gpu/layout.ts), then from kLabelsBase which pixels are done:
// kTilePixels / 32 words a tile (a bit a pixel), then one word a tile: bit 0 done at this stride, the bits above
// the evaluations it took at this stride.
@group(0) @binding(7) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read> tileIds: array<u32>;  // tiles to label (row-major tile indices)
@group(0) @binding(9) var<storage, read_write> theorem: array<f32>;  // the main formula's integrand per pixel

const kNone = 0xffffffffu;
const kShownTag = 0x80000000u;
const kMaxLayers = 64u;

var<workgroup> seedMin: atomic<u32>;
var<workgroup> seedShared: u32;
var<workgroup> doneShared: u32;
var<workgroup> hashLo: atomic<u32>;
var<workgroup> hashHi: atomic<u32>;
var<workgroup> nearestBits: atomic<u32>;
var<workgroup> crossingCount: atomic<u32>;  // kept lines that cross the tile: from the start of the list
var<workgroup> nearCount: atomic<u32>;      // kept lines that only may be nearest: from the end of the list
var<workgroup> labelledCount: atomic<u32>;
var<workgroup> labelWords: array<atomic<u32>, kLabelWords>;
var<workgroup> partial: array<vec3<f32>, kWorkgroupThreads>;
var<workgroup> layerActive: array<atomic<u32>, kMaxLayers>;
#if DECISION
var<workgroup> outputMaps: array<vec3<f32>, kMaxOutputs>;  // every output unit's map at the seed: value, d/du, d/dv
#endif

// Pixel q of the tile (row-major), in the fields buffer.
fn tilePixel(tileX: u32, tileY: u32, q: u32) -> vec2<u32> {
  return vec2<u32>(tileX + q % kTileSide, tileY + q / kTileSide);
}

// Neurons 4 group .. 4 group + 3 of layer l (hidden, or the output: l = frame.layersRun) at the seed: their
// pre-activations' differences from the view centre, and their gradients in pixel units.
struct GroupProduct {
  value: vec4<f32>,
  du: vec4<f32>,
  dv: vec4<f32>,
}

// The layer product W h for one group: the weights are one vec4 a (input, group) (src/gpu/regionsPass.ts); the input
// h is the seed's (u, v) with its tangents for the first layer, else the previous layer's (dh, dh/du, dh/dv) in the
// workgroup's scratch slot (the rows alternate by layer).
fn groupProduct(l: u32, group: u32, slot: u32, seedUV: vec2<f32>) -> GroupProduct {
  let info = layers[l];
  let groups = (info.outDim + 3u) / 4u;
  let inBase = slot + (l % 2u) * frame.maxWidth;
  var product = GroupProduct(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
  for (var k = 0u; k < info.inDim; k++) {
    var h: vec3<f32>;
    if (l == 0u) {
      h = select(vec3<f32>(seedUV.y, 0.0, 1.0), vec3<f32>(seedUV.x, 1.0, 0.0), k == 0u);
    } else {
      h = scratch[inBase + k].xyz;
    }
    let w = weights[info.weightOffset + k * groups + group];
    product.value += w * h.x;
    product.du += w * h.y;
    product.dv += w * h.z;
  }
  return product;
}

@compute @workgroup_size(kWorkgroupThreads)
fn labelTile(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile = tileIds[chunk.tileBase + wid.x];
  if (t == 0u) {
    doneShared = atomicLoad(&counters[kLabelsBase + frame.tiles * kLabelWords + tile]);
  }
  if ((workgroupUniformLoad(&doneShared) & 1u) != 0u) {
    return;
  }
  let slot = wid.x * frame.slotStride;
  let keptBase = slot + 2u * frame.maxWidth;
  let keptEnd = keptBase + frame.neurons - 1u;
  let tileX = (tile % frame.tilesX) * kTileSide;
  let tileY = (tile / frame.tilesX) * kTileSide;
  let halfSide = 0.5 * f32(kTileSide - 1u);
  let tileCentre = vec2<f32>(frame.u0 + f32(tileX) + halfSide, frame.v0 + f32(tileY) + halfSide);
  let halfDiagonal = halfSide * 1.41421356;
  let labelBase = tile * kLabelWords;
  // This invocation's pixels: q = t + s * kWorkgroupThreads, bit t % 32 of word t / 32 + 2 s. `labelled` says a pixel
  // needs nothing more in this dispatch (outside the image, off the stride's grid, or labelled before or now).
  // Bit s: pixel s of this invocation (bits, not arrays: they stay in registers).
  var labelled = 0u;
  var labelledNow = 0u;
  for (var s = 0u; s < kPixelsPerThread; s++) {
    let p = tilePixel(tileX, tileY, t + s * kWorkgroupThreads);
    var bit = 0u;
    if (frame.labelsSet != 0u) {
      bit = (atomicLoad(&counters[kLabelsBase + labelBase + t / 32u + 2u * s]) >> (t % 32u)) & 1u;
    }
    let offGrid = p.x % frame.stride != 0u || p.y % frame.stride != 0u;
    if (p.x >= frame.width || p.y >= frame.height || offGrid || bit == 1u) {
      labelled |= 1u << s;
    }
  }
  if (t == 0u) {
    atomicStore(&labelledCount, 0u);
  }
  if (t < kLabelWords) {
    atomicStore(&labelWords[t], 0u);
  }

  var seeds = 0u;
  var complete = false;
#if DECISION
  var maps: array<vec3<f32>, kMaxOutputs>;  // a pixel's output maps (decide)
#endif
  loop {
    if (t == 0u) {
      atomicStore(&seedMin, kNone);
      atomicStore(&hashLo, 0u);
      atomicStore(&hashHi, 0u);
      atomicStore(&nearestBits, bitcast<u32>(kNoBoundary));
      atomicStore(&crossingCount, 0u);
      atomicStore(&nearCount, 0u);
    }
#if THEOREM
    if (t < kMaxLayers) {
      atomicStore(&layerActive[t], 0u);
    }
#endif
    workgroupBarrier();
    for (var s = 0u; s < kPixelsPerThread; s++) {
      if ((labelled & (1u << s)) == 0u) {
        atomicMin(&seedMin, t + s * kWorkgroupThreads);
        break;
      }
    }
    workgroupBarrier();
    if (t == 0u) {
      seedShared = atomicLoad(&seedMin);
    }
    let seed = workgroupUniformLoad(&seedShared);
    if (seed == kNone) {
      complete = true;
      break;
    }
    if (seeds == chunk.maxSeeds) {
      break;
    }
    seeds++;
    let seedPixel = tilePixel(tileX, tileY, seed);
    let seedUV = vec2<f32>(frame.u0 + f32(seedPixel.x), frame.v0 + f32(seedPixel.y));

    // The evaluation at the seed, layer by layer; the workgroup shares each layer, groups of four neurons an
    // invocation.
    var lo = 0u;
    var hi = 0u;
    for (var l = 0u; l < frame.layersRun; l++) {
      let info = layers[l];
      let outBase = slot + ((l + 1u) % 2u) * frame.maxWidth;
      let shown = l < frame.layersShown;
      var anyActive = false;
      // Each invocation computes groups of four neurons.
      let groups = (info.outDim + 3u) / 4u;
      for (var group = t; group < groups; group += kWorkgroupThreads) {
        let product = groupProduct(l, group, slot, seedUV);
        for (var j = 0u; j < 4u; j++) {
          let n = 4u * group + j;
          if (n >= info.outDim) {
            break;
          }
          let zc = centre[info.neuronBase + n];
          let z = zc + product.value[j];
          let gradient = vec2<f32>(product.du[j], product.dv[j]);
          let isActive = z > 0.0;
          anyActive = anyActive || isActive;
          if (shown && isActive) {
            let key = neuronKey(info.neuronBase + n);
            lo ^= key.x;
            hi ^= key.y;
          }
          let g2 = dot(gradient, gradient);
          if (g2 > 0.0) {
            let fromCentre = abs(z + dot(gradient, tileCentre - seedUV)) / sqrt(g2);
            let crossing = fromCentre <= halfDiagonal;
            var near = false;
            if (shown) {
              let nearest = bitcast<f32>(atomicMin(&nearestBits, bitcast<u32>(fromCentre)));
              near = fromCentre <= min(nearest, fromCentre) + 2.0 * halfDiagonal;
            }
            let line = vec4<f32>(z, gradient, bitcast<f32>(select(0u, kShownTag, shown) | (l + 1u)));
            // Crossing lines need the sign test, the others only give distances: two lists, so that a pixel
            // outside the region stops at its first failed test without going through the near ones.
            if (crossing) {
              scratch[keptBase + atomicAdd(&crossingCount, 1u)] = line;
            } else if (near) {
              scratch[keptEnd - atomicAdd(&nearCount, 1u)] = line;
            }
          }
#if THEOREM
          if (shown) {
            // z - b at the seed, the gradient, and 1 / sigma_b in this neuron's scale: its term at any pixel.
            let n0 = info.neuronBase + n;
            let withoutBias = centre[frame.withoutBiasBase + n0] + product.value[j];
            scratch[keptBase + frame.neurons + n0] = vec4<f32>(withoutBias, gradient, centre[frame.inverseSigmaBase + n0]);
          }
#endif
          let masked = select(vec2<f32>(0.0), gradient, isActive);
          scratch[outBase + n] = vec4<f32>(reluDifference(zc, product.value[j]), masked, 0.0);
        }
      }
#if THEOREM
      if (anyActive) {
        atomicStore(&layerActive[l], 1u);
      }
#endif
      storageBarrier();
      workgroupBarrier();
    }
    atomicXor(&hashLo, lo);
    atomicXor(&hashHi, hi);

    // The output's affine map on the region: a reduction over the last layer.
    var output = vec3<f32>(0.0);
#if OUTPUT
    {
      let info = layers[frame.layersRun];
      let inBase = slot + (frame.layersRun % 2u) * frame.maxWidth;
      var acc = vec3<f32>(0.0);
      // The unit's weights: component unit % 4 of group unit / 4 of each input's row of groups.
      let groups = (info.outDim + 3u) / 4u;
      let column = info.weightOffset + frame.outputUnit / 4u;
      let component = frame.outputUnit % 4u;
      for (var k = t; k < info.inDim; k += kWorkgroupThreads) {
        acc += weights[column + k * groups][component] * scratch[inBase + k].xyz;
      }
      partial[t] = acc;
      workgroupBarrier();
      for (var stride = kWorkgroupThreads / 2u; stride > 0u; stride /= 2u) {
        if (t < stride) {
          partial[t] += partial[t + stride];
        }
        workgroupBarrier();
      }
      output = partial[0];
      output.x += centre[info.neuronBase + frame.outputUnit];
    }
#endif
#if DECISION
    {
      // Every unit's map at the seed, as a hidden layer's neurons: groups of four units an invocation.
      let info = layers[frame.layersRun];
      let groups = (info.outDim + 3u) / 4u;
      for (var group = t; group < groups; group += kWorkgroupThreads) {
        let product = groupProduct(frame.layersRun, group, slot, seedUV);
        for (var j = 0u; j < 4u; j++) {
          let n = 4u * group + j;
          if (n < info.outDim) {
            outputMaps[n] = vec3<f32>(centre[info.neuronBase + n] + product.value[j], product.du[j], product.dv[j]);
          }
        }
      }
    }
#endif
    workgroupBarrier();
    if (t == 0u) {
      atomicAdd(&counters[1], 1u);
      // The tile's word: its evaluations at this stride (times 2), and 1 once it is done.
      atomicAdd(&counters[kLabelsBase + frame.tiles * kLabelWords + tile], 2u);
    }

    let crossings = atomicLoad(&crossingCount);
    let nears = atomicLoad(&nearCount);
    let hash = finalizeHash(vec2<u32>(atomicLoad(&hashLo), atomicLoad(&hashHi)));
    for (var s = 0u; s < kPixelsPerThread; s++) {
      if ((labelled & (1u << s)) != 0u) {
        continue;
      }
      let p = tilePixel(tileX, tileY, t + s * kWorkgroupThreads);
      let d = vec2<f32>(frame.u0 + f32(p.x), frame.v0 + f32(p.y)) - seedUV;
      var inRegion = true;
      var best = kNoBoundary;
      var bestLayer = 0u;
      for (var c = 0u; c < crossings; c++) {
        let line = scratch[keptBase + c];
        let z = line.x + dot(line.yz, d);
        if ((z > 0.0) != (line.x > 0.0)) {
          inRegion = false;
          break;
        }
        let tag = bitcast<u32>(line.w);
        if ((tag & kShownTag) != 0u) {
          let distance = abs(z) / length(line.yz);
          if (distance < best) {
            best = distance;
            bestLayer = tag & 0xffffu;
          }
        }
      }
      if (inRegion) {
        for (var c = 0u; c < nears; c++) {
          let line = scratch[keptEnd - c];
          let distance = abs(line.x + dot(line.yz, d)) / length(line.yz);
          if (distance < best) {
            best = distance;
            bestLayer = bitcast<u32>(line.w) & 0xffffu;
          }
        }
        var field = PixelField(hash.x, hash.y, best, bestLayer, 0.0, 0.0);
#if OUTPUT
        field.output = output.x + dot(output.yz, d);
        field.outputSlope = length(output.yz);
        recordOutput(field.output);
#endif
#if DECISION
        let units = layers[frame.layersRun].outDim;
        for (var u = 0u; u < units; u++) {
          let map = outputMaps[u];
          maps[u] = vec3<f32>(map.x + dot(map.yz, d), map.yz);
        }
        let decision = decide(&maps, units);
        field.output = decision.x;
        field.outputSlope = decision.y;
        recordOutput(field.output);
#endif
        let pixel = p.y * frame.width + p.x;
        fields[pixel] = field;
#if THEOREM
        // Layers from the last shown down: a layer's neurons count while every layer after it has an active neuron.
        var integrand = 0.0;
        var reaches = true;
        for (var l = frame.layersShown; l > 0u && reaches; l--) {
          let info = layers[l - 1u];
          for (var n = 0u; n < info.outDim; n++) {
            let e = scratch[keptBase + frame.neurons + info.neuronBase + n];
            let r = (e.x + dot(e.yz, d)) * e.w;
            integrand += length(e.yz) * exp(-0.5 * r * r) * e.w;
          }
          reaches = atomicLoad(&layerActive[l - 1u]) != 0u;
        }
        // 1 / sqrt(2 pi) = 0.39894228.
        theorem[pixel] = integrand * frame.gradientScale * 0.39894228;
        recordIntegrand(theorem[pixel]);
#endif
        labelled |= 1u << s;
        labelledNow |= 1u << s;
      }
    }
    workgroupBarrier();
  }

  // What this dispatch labelled, for the next one and the colour pass (gathered in workgroup memory, then a word of
  // the tile's labels an invocation); the tile's word when it is done.
  var count = 0u;
  for (var s = 0u; s < kPixelsPerThread; s++) {
    if ((labelledNow & (1u << s)) != 0u) {
      atomicOr(&labelWords[t / 32u + 2u * s], 1u << (t % 32u));
      count++;
    }
  }
  atomicAdd(&labelledCount, count);
  workgroupBarrier();
  if (t < kLabelWords) {
    let word = atomicLoad(&labelWords[t]);
    if (word != 0u) {
      atomicOr(&counters[kLabelsBase + labelBase + t], word);
    }
  }
  if (t == 0u) {
    atomicAdd(&counters[4], atomicLoad(&labelledCount));
    if (complete) {
      atomicOr(&counters[kLabelsBase + frame.tiles * kLabelWords + tile], 1u);
      atomicAdd(&counters[3], 1u);
    }
  }
}
