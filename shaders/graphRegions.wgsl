// The region-seeded fields pass of a network graph ("fast"), as regions.wgsl is for an MLP: per 32 x 32 tile, repeat
// until every pixel is labelled: pick the first unlabelled pixel (the seed), evaluate the graph there (the workgroup
// shares each operation's units), keep the boundaries that cross the tile (relu / leaky relu units' lines, and for a
// max-pool window the lines where another candidate overtakes its maximum) and those that may be the nearest to a
// pixel; every unlabelled pixel that keeps the seed's side of each crossing line is in the seed's region: it gets
// the region's hash, its distance (min over the kept lines), its nearest stage and the output's affine map there.
// On a region every unit of every stage is affine in the plane, so the tests are exact, as for an MLP. One graph
// evaluation per (region, tile) pair. src/gpu/graphRegionsPass.ts drives it; the linear operations are graphOps.wgsl.

// Per-frame settings. Layout mirrored by kGraphRegionsFrame in src/gpu/layout.ts.
struct GraphRegionsFrame {
  width: u32,          // fields buffer width in pixels
  height: u32,         // fields buffer height in pixels
  stagesShown: u32,    // k: the pattern and distance use stages 0..k-1
  opsRun: u32,         // operations evaluated: through stage k, or all of them when the output is needed
  tilesX: u32,         // tiles per row
  slotStride: u32,     // vec4s of scratch a workgroup owns: the tensors' slots, then the kept lines
  arena: u32,          // vec4s of the tensors' slots
  lines: u32,          // room for kept lines
  u0: f32,             // pixel offset from the view centre of pixel (0, 0), x (right)
  v0: f32,             // pixel offset from the view centre of pixel (0, 0), y (down)
  pixelSize: f32,      // input units per pixel
  stride: u32,         // only pixels whose coordinates are multiples of this are labelled (coarse to fine)
  tiles: u32,          // tiles of the fields buffer
  labelsSet: u32,      // 0: no pixel is marked done yet: the marks are not read
  outputUnit: u32,     // the output unit shown (OUTPUT)
  outputSlot: u32,     // slot of the output tensor
  outputCentre: u32,   // index in `centre` of the output tensor
  outputUnits: u32,    // units of the output tensor
}

// The tiles of one step, at a dynamic offset. Layout mirrored by kTileChunk.
struct TileChunk {
  tileBase: u32,
  tileCount: u32,
  maxSeeds: u32,
}

@group(0) @binding(0) var<uniform> frame: GraphRegionsFrame;
@group(0) @binding(1) var<uniform> chunk: TileChunk;
@group(0) @binding(2) var<storage, read> ops: array<GraphOp>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read> centre: array<f32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> fields: array<PixelField>;
@group(0) @binding(7) var<storage, read_write> counters: array<atomic<u32>>;
@group(0) @binding(8) var<storage, read> tileIds: array<u32>;

const kNone = 0xffffffffu;
const kShownTag = 0x80000000u;

// The operation being evaluated (graphOps.wgsl reads it), and where this workgroup's scratch starts.
var<private> op: GraphOp;
var<private> slotBase: u32;
// What the seed's evaluation needs for the kept lines: the tile's centre and half diagonal, the seed, the hash.
var<private> tileCentre: vec2<f32>;
var<private> halfDiagonal: f32;
var<private> seedUV: vec2<f32>;
var<private> hashAcc: vec2<u32>;

var<workgroup> seedMin: atomic<u32>;
var<workgroup> seedShared: u32;
var<workgroup> doneShared: u32;
var<workgroup> hashLo: atomic<u32>;
var<workgroup> hashHi: atomic<u32>;
var<workgroup> nearestBits: atomic<u32>;
var<workgroup> crossingCount: atomic<u32>;
var<workgroup> nearCount: atomic<u32>;
var<workgroup> labelledCount: atomic<u32>;
var<workgroup> labelWords: array<atomic<u32>, kLabelWords>;

// Element k of the tensor in `slot` at the seed (this workgroup's scratch), or the plane's point less the centre.
fn element(slot: u32, k: u32, p: u32, uv: vec2<f32>) -> vec3<f32> {
  if (slot == kInputSlot) {
    let s = frame.pixelSize;
    return select(vec3<f32>(-uv.y * s, 0.0, -s), vec3<f32>(uv.x * s, s, 0.0), k == 0u);
  }
  return scratch[slotBase + slot + k].xyz;
}

fn tilePixel(tileX: u32, tileY: u32, q: u32) -> vec2<u32> {
  return vec2<u32>(tileX + q % kTileSide, tileY + q / kTileSide);
}

// A boundary at the seed: value z (>= 0 on the seed's side for a max pool's pair) and gradient g, of stage `stage`.
// Kept when it crosses the tile (a sign test), or, shown, when it may be the nearest to some pixel of the tile.
fn keepLine(z: f32, g: vec2<f32>, stage: u32, shown: bool) {
  let g2 = dot(g, g);
  if (g2 <= 0.0) {
    return;
  }
  let fromCentre = abs(z + dot(g, tileCentre - seedUV)) / sqrt(g2);
  let crossing = fromCentre <= halfDiagonal;
  var near = false;
  if (shown) {
    let nearest = bitcast<f32>(atomicMin(&nearestBits, bitcast<u32>(fromCentre)));
    near = fromCentre <= min(nearest, fromCentre) + 2.0 * halfDiagonal;
  }
  let line = vec4<f32>(z, g, bitcast<f32>(select(0u, kShownTag, shown) | (stage + 1u)));
  let listBase = slotBase + frame.arena;
  if (crossing) {
    scratch[listBase + atomicAdd(&crossingCount, 1u)] = line;
  } else if (near) {
    scratch[listBase + frame.lines - 1u - atomicAdd(&nearCount, 1u)] = line;
  }
}

fn reluAtSeed(n: u32, shown: bool) -> vec3<f32> {
  let e = element(op.in0, n, 0u, seedUV);
  let zc = centre[op.centreIn + n];
  let total = zc + e.x;
  let on = total > 0.0;
  if (shown && on) {
    hashAcc ^= neuronKey(op.unitBase + n);
  }
  keepLine(total, e.yz, op.stage, shown);
  let slope = select(op.alpha, 1.0, on);
  let centreSlope = select(op.alpha, 1.0, zc > 0.0);
  let difference = select(slope * total - centreSlope * zc, slope * e.x, on == (zc > 0.0));
  return vec3<f32>(difference, slope * e.yz);
}

fn maxPoolAtSeed(n: u32, shown: bool) -> vec3<f32> {
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
      let e = element(op.in0, inBase + u32(k), 0u, seedUV);
      let v = vec3<f32>(centre[op.centreIn + inBase + u32(k)] + e.x, e.yz);
      if (bestK < 0 || v.x > top.x) {
        best = i * op.kw + j;
        bestK = k;
        top = v;
      }
    }
  }
  if (shown) {
    hashAcc ^= neuronKey(op.unitBase + n * op.kh * op.kw + best);
  }
  for (var i = 0u; i < op.kh; i++) {
    for (var j = 0u; j < op.kw; j++) {
      let k = windowIndex(oy, ox, i, j);
      if (k < 0 || k == bestK) {
        continue;
      }
      let e = element(op.in0, inBase + u32(k), 0u, seedUV);
      keepLine(top.x - (centre[op.centreIn + inBase + u32(k)] + e.x), top.yz - e.yz, op.stage, shown);
    }
  }
  return vec3<f32>(top.x - centre[op.centreOut + n], top.yz);
}

// Unit n of the current operation at the seed.
fn unitAtSeed(n: u32) -> vec3<f32> {
  let shown = op.stage < frame.stagesShown;
  switch (op.kind) {
    case kOpDense: { return opDense(n, 0u, seedUV); }
    case kOpConv: { return opConv(n, 0u, seedUV); }
    case kOpScale: { return opScale(n, 0u, seedUV); }
    case kOpCopy: { return opCopy(n, 0u, seedUV); }
    case kOpAdd: { return opAdd(n, 0u, seedUV); }
    case kOpAvgPool: { return opAvgPool(n, 0u, seedUV); }
    case kOpPad: { return opPad(n, 0u, seedUV); }
    case kOpRelu: { return reluAtSeed(n, shown); }
    case kOpMaxPool: { return maxPoolAtSeed(n, shown); }
    default: { return vec3<f32>(0.0); }
  }
}

// Output unit u's affine map at the seed: (value, d/du, d/dv).
fn outputAtSeed(u: u32) -> vec3<f32> {
  let e = scratch[slotBase + frame.outputSlot + u].xyz;
  return vec3<f32>(centre[frame.outputCentre + u] + e.x, e.yz);
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
  slotBase = wid.x * frame.slotStride;
  let tileX = (tile % frame.tilesX) * kTileSide;
  let tileY = (tile / frame.tilesX) * kTileSide;
  let halfSide = 0.5 * f32(kTileSide - 1u);
  tileCentre = vec2<f32>(frame.u0 + f32(tileX) + halfSide, frame.v0 + f32(tileY) + halfSide);
  halfDiagonal = halfSide * 1.41421356;
  let labelBase = tile * kLabelWords;
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
  var maps: array<vec3<f32>, kMaxOutputs>;
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
    seedUV = vec2<f32>(frame.u0 + f32(seedPixel.x), frame.v0 + f32(seedPixel.y));

    // The graph at the seed, operation by operation; the workgroup shares each operation's units.
    hashAcc = vec2<u32>(0u);
    for (var i = 0u; i < frame.opsRun; i++) {
      op = ops[i];
      for (var n = t; n < op.size; n += kWorkgroupThreads) {
        scratch[slotBase + op.out + n] = vec4<f32>(unitAtSeed(n), 0.0);
      }
      storageBarrier();
      workgroupBarrier();
    }
    atomicXor(&hashLo, hashAcc.x);
    atomicXor(&hashHi, hashAcc.y);
    workgroupBarrier();
    if (t == 0u) {
      atomicAdd(&counters[1], 1u);
      atomicAdd(&counters[kLabelsBase + frame.tiles * kLabelWords + tile], 2u);
    }
#if OUTPUT
    let output = outputAtSeed(frame.outputUnit);
#endif

    let crossings = atomicLoad(&crossingCount);
    let nears = atomicLoad(&nearCount);
    let listBase = slotBase + frame.arena;
    let hash = finalizeHash(vec2<u32>(atomicLoad(&hashLo), atomicLoad(&hashHi)));
    for (var s = 0u; s < kPixelsPerThread; s++) {
      if ((labelled & (1u << s)) != 0u) {
        continue;
      }
      let p = tilePixel(tileX, tileY, t + s * kWorkgroupThreads);
      let d = vec2<f32>(frame.u0 + f32(p.x), frame.v0 + f32(p.y)) - seedUV;
      var inRegion = true;
      var best = kNoBoundary;
      var bestStage = 0u;
      for (var c = 0u; c < crossings; c++) {
        let line = scratch[listBase + c];
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
            bestStage = tag & 0xffffu;
          }
        }
      }
      if (inRegion) {
        for (var c = 0u; c < nears; c++) {
          let line = scratch[listBase + frame.lines - 1u - c];
          let distance = abs(line.x + dot(line.yz, d)) / length(line.yz);
          if (distance < best) {
            best = distance;
            bestStage = bitcast<u32>(line.w) & 0xffffu;
          }
        }
        var field = PixelField(hash.x, hash.y, best, bestStage, 0.0, 0.0);
#if OUTPUT
        field.output = output.x + dot(output.yz, d);
        field.outputSlope = length(output.yz);
        recordOutput(field.output);
#endif
#if DECISION
        for (var u = 0u; u < frame.outputUnits; u++) {
          let map = outputAtSeed(u);
          maps[u] = vec3<f32>(map.x + dot(map.yz, d), map.yz);
        }
        let decision = decide(&maps, frame.outputUnits);
        field.output = decision.x;
        field.outputSlope = decision.y;
        recordOutput(field.output);
#endif
        fields[p.y * frame.width + p.x] = field;
        labelled |= 1u << s;
        labelledNow |= 1u << s;
      }
    }
    workgroupBarrier();
  }

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
