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

// Per-frame settings. Layout mirrored by kRegionsFrame in src/gpu/layout.ts.
struct RegionsFrame {
  width: u32,          // fields buffer width in pixels
  height: u32,         // fields buffer height in pixels
  layersShown: u32,    // k: the pattern and distance use hidden layers 0..k-1
  layersRun: u32,      // layers evaluated: k, or all of them when the output is needed
  tilesX: u32,         // tiles per row
  slotStride: u32,     // vec4s of scratch a workgroup owns: two activation rows, then its kept lines
  maxWidth: u32,       // widest layer: the length of an activation row
  u0: f32,             // pixel offset from the view centre of pixel (0, 0), x (right)
  v0: f32,             // pixel offset from the view centre of pixel (0, 0), y (down)
}

// A layer, hidden or the output (the last entry). Layout mirrored by kLayerInfo.
struct LayerInfo {
  inDim: u32,          // fan-in
  outDim: u32,         // neurons (1 for the output)
  weightOffset: u32,   // first vec4 in `weights`: transposed, [inDim][ceil(outDim / 4)] groups of four neurons
  neuronBase: u32,     // global index of the first neuron: hash keys and `centre` entries
}

// The tiles of this dispatch. Layout mirrored by kTileChunk.
struct TileChunk {
  tileBase: u32,       // first entry of `tileIds` this dispatch labels
  tileCount: u32,      // tiles in this dispatch (one workgroup each)
}

@group(0) @binding(0) var<uniform> frame: RegionsFrame;
@group(0) @binding(1) var<uniform> chunk: TileChunk;
@group(0) @binding(2) var<storage, read> layers: array<LayerInfo>;
@group(0) @binding(3) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> centre: array<f32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> fields: array<PixelField>;
@group(0) @binding(7) var<storage, read_write> stats: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read> tileIds: array<u32>;  // tiles to label (row-major tile indices)

const kNone = 0xffffffffu;
const kShownTag = 0x80000000u;

var<workgroup> seedMin: atomic<u32>;
var<workgroup> seedShared: u32;
var<workgroup> hashLo: atomic<u32>;
var<workgroup> hashHi: atomic<u32>;
var<workgroup> nearestBits: atomic<u32>;
var<workgroup> crossingCount: atomic<u32>;  // kept lines that cross the tile: from the start of the list
var<workgroup> nearCount: atomic<u32>;      // kept lines that only may be nearest: from the end of the list
var<workgroup> partial: array<vec3<f32>, kWorkgroupThreads>;

// Pixel q of the tile (row-major), in the fields buffer.
fn tilePixel(tileX: u32, tileY: u32, q: u32) -> vec2<u32> {
  return vec2<u32>(tileX + q % kTileSide, tileY + q / kTileSide);
}

@compute @workgroup_size(kWorkgroupThreads)
fn labelTile(@builtin(local_invocation_index) t: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile = tileIds[chunk.tileBase + wid.x];
  let slot = wid.x * frame.slotStride;
  let keptBase = slot + 2u * frame.maxWidth;
  let keptEnd = slot + frame.slotStride - 1u;
  let tileX = (tile % frame.tilesX) * kTileSide;
  let tileY = (tile / frame.tilesX) * kTileSide;
  let halfSide = 0.5 * f32(kTileSide - 1u);
  let tileCentre = vec2<f32>(frame.u0 + f32(tileX) + halfSide, frame.v0 + f32(tileY) + halfSide);
  let halfDiagonal = halfSide * 1.41421356;
  // This invocation's pixels: q = t + s * kWorkgroupThreads.
  var labelled: array<bool, kPixelsPerThread>;
  for (var s = 0u; s < kPixelsPerThread; s++) {
    let p = tilePixel(tileX, tileY, t + s * kWorkgroupThreads);
    labelled[s] = p.x >= frame.width || p.y >= frame.height;
  }

  loop {
    if (t == 0u) {
      atomicStore(&seedMin, kNone);
      atomicStore(&hashLo, 0u);
      atomicStore(&hashHi, 0u);
      atomicStore(&nearestBits, bitcast<u32>(kNoBoundary));
      atomicStore(&crossingCount, 0u);
      atomicStore(&nearCount, 0u);
    }
    workgroupBarrier();
    for (var s = 0u; s < kPixelsPerThread; s++) {
      if (!labelled[s]) {
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
      break;
    }
    let seedPixel = tilePixel(tileX, tileY, seed);
    let seedUV = vec2<f32>(frame.u0 + f32(seedPixel.x), frame.v0 + f32(seedPixel.y));

    // The evaluation at the seed, layer by layer; the workgroup shares each layer, groups of four neurons an
    // invocation.
    var lo = 0u;
    var hi = 0u;
    for (var l = 0u; l < frame.layersRun; l++) {
      let info = layers[l];
      let inBase = slot + (l % 2u) * frame.maxWidth;
      let outBase = slot + ((l + 1u) % 2u) * frame.maxWidth;
      let shown = l < frame.layersShown;
      // Each invocation computes groups of four neurons: one vec4 of weights a (input, group).
      let groups = (info.outDim + 3u) / 4u;
      for (var group = t; group < groups; group += kWorkgroupThreads) {
        var value = vec4<f32>(0.0);
        var du = vec4<f32>(0.0);
        var dv = vec4<f32>(0.0);
        for (var k = 0u; k < info.inDim; k++) {
          var h: vec3<f32>;
          if (l == 0u) {
            h = select(vec3<f32>(seedUV.y, 0.0, 1.0), vec3<f32>(seedUV.x, 1.0, 0.0), k == 0u);
          } else {
            h = scratch[inBase + k].xyz;
          }
          let w = weights[info.weightOffset + k * groups + group];
          value += w * h.x;
          du += w * h.y;
          dv += w * h.z;
        }
        for (var j = 0u; j < 4u; j++) {
          let n = 4u * group + j;
          if (n >= info.outDim) {
            break;
          }
          let zc = centre[info.neuronBase + n];
          let z = zc + value[j];
          let gradient = vec2<f32>(du[j], dv[j]);
          let isActive = z > 0.0;
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
          let masked = select(vec2<f32>(0.0), gradient, isActive);
          scratch[outBase + n] = vec4<f32>(reluDifference(zc, value[j]), masked, 0.0);
        }
      }
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
      for (var k = t; k < info.inDim; k += kWorkgroupThreads) {
        acc += weights[info.weightOffset + k].x * scratch[inBase + k].xyz;
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
      output.x += centre[info.neuronBase];
    }
#endif
    workgroupBarrier();
    if (t == 0u) {
      atomicAdd(&stats[1], 1u);
    }

    let crossings = atomicLoad(&crossingCount);
    let nears = atomicLoad(&nearCount);
    let hash = finalizeHash(vec2<u32>(atomicLoad(&hashLo), atomicLoad(&hashHi)));
    for (var s = 0u; s < kPixelsPerThread; s++) {
      if (labelled[s]) {
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
        atomicMax(&stats[0], bitcast<u32>(abs(field.output)));
#endif
        fields[p.y * frame.width + p.x] = field;
        labelled[s] = true;
      }
    }
    workgroupBarrier();
  }
}
