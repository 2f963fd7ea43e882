/**
 * The one source of truth for what TypeScript and WGSL share: constants (emitted as WGSL `const`s in front of every
 * shader) and buffer layouts (tests/unit/layout.test.ts checks them against the structs in shaders/).
 */
import { kFeistelSalts, kKeySalt } from '../model/hash.ts';

/** Pixels per workgroup of the fields kernels (one invocation per pixel). */
export const kWorkgroupSize = 64;
/** Neurons per block: the rows of the weight tile staged in workgroup memory. */
export const kNeuronBlock = 16;
/** Inputs per block: the columns of the weight tile (kNeuronBlock * kInputBlock * 4 bytes = 4 KiB of workgroup memory). */
export const kInputBlock = 64;
/** Side of the square pixel tiles of the region-seeded pass: one workgroup per tile. */
export const kTileSide = 32;
/** Pixels of a tile each invocation of the region-seeded pass labels. */
export const kPixelsPerThread = 16;
/** Distance written where no neuron has a line (no boundary at all): read back as Infinity. */
export const kNoBoundary = 3.0e38;
/** Output units the decision mode takes the argmax of, at most (their affine maps are kept per pixel or workgroup). */
export const kMaxOutputs = 64;

/** Constants emitted into WGSL. Integers become u32, others f32. */
export const kShaderConstants: Readonly<Record<string, { value: number; type: 'u32' | 'f32' }>> = {
  kWorkgroupSize: { value: kWorkgroupSize, type: 'u32' },
  kNeuronBlock: { value: kNeuronBlock, type: 'u32' },
  kInputBlock: { value: kInputBlock, type: 'u32' },
  kNoBoundary: { value: kNoBoundary, type: 'f32' },
  kMaxOutputs: { value: kMaxOutputs, type: 'u32' },
  kTileSide: { value: kTileSide, type: 'u32' },
  kTilePixels: { value: kTileSide * kTileSide, type: 'u32' },
  kPixelsPerThread: { value: kPixelsPerThread, type: 'u32' },
  kWorkgroupThreads: { value: (kTileSide * kTileSide) / kPixelsPerThread, type: 'u32' },
  kKeySalt: { value: kKeySalt, type: 'u32' },
  kLabelWords: { value: (kTileSide * kTileSide) / 32, type: 'u32' },
  kLabelsBase: { value: 64, type: 'u32' },
  kFeistelSalt0: { value: kFeistelSalts[0], type: 'u32' },
  kFeistelSalt1: { value: kFeistelSalts[1], type: 'u32' },
  kFeistelSalt2: { value: kFeistelSalts[2], type: 'u32' },
};

export function wgslConstants(): string {
  return Object.entries(kShaderConstants)
    .map(([name, { value, type }]) =>
      type === 'u32' ? `const ${name}: u32 = ${value >>> 0}u;` : `const ${name}: f32 = ${value.toExponential()};`,
    )
    .join('\n');
}

/** A struct of 4-byte scalars, in WGSL field order. */
export interface StructLayout {
  readonly name: string;
  readonly fields: readonly (readonly [name: string, type: 'u32' | 'f32'])[];
}

export function structSize(layout: StructLayout): number {
  return layout.fields.length * 4;
}

export function fieldIndex(layout: StructLayout, name: string): number {
  const index = layout.fields.findIndex(([field]) => field === name);
  if (index < 0) throw new Error(`${layout.name} has no field ${name}`);
  return index;
}

/** A uniform buffer that holds one `layout`, written with `packStruct` and `queue.writeBuffer`. */
export function createUniform(device: GPUDevice, label: string, layout: StructLayout): GPUBuffer {
  return device.createBuffer({
    label,
    size: structSize(layout),
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
}

/** Packs values by field name into words (u32 as is, f32 by bits), ready for writeBuffer. */
export function packStruct(layout: StructLayout, values: Readonly<Record<string, number>>): Uint32Array {
  const buffer = new ArrayBuffer(structSize(layout));
  const u32 = new Uint32Array(buffer);
  const f32 = new Float32Array(buffer);
  layout.fields.forEach(([name, type], i) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${layout.name}.${name} is missing`);
    if (type === 'u32') u32[i] = value;
    else f32[i] = value;
  });
  return u32;
}

/** Per-pixel record of the fields buffer (shaders/common.wgsl). */
export const kPixelField: StructLayout = {
  name: 'PixelField',
  fields: [
    ['hashLo', 'u32'],
    ['hashHi', 'u32'],
    ['distance', 'f32'],
    ['layer', 'u32'],
    ['output', 'f32'],
    ['outputSlope', 'f32'],
  ],
};

/** Per-frame uniform of the fields pass (shaders/fields.wgsl). */
export const kFrame: StructLayout = {
  name: 'Frame',
  fields: [
    ['width', 'u32'],
    ['height', 'u32'],
    ['layersShown', 'u32'],
    ['scratchStride', 'u32'],
    ['u0', 'f32'],
    ['v0', 'f32'],
    ['gradientScale', 'f32'],
    ['withoutBiasBase', 'u32'],
    ['inverseSigmaBase', 'u32'],
    ['stride', 'u32'],
    ['gridWidth', 'u32'],
    ['coarse', 'u32'],
    ['tilesX', 'u32'],
    ['outputUnit', 'u32'],
  ],
};

/** One layer step of the fields pass, at a dynamic offset (shaders/fields.wgsl). */
export const kLayerStep: StructLayout = {
  name: 'LayerStep',
  fields: [
    ['index', 'u32'],
    ['inDim', 'u32'],
    ['outDim', 'u32'],
    ['weightOffset', 'u32'],
    ['neuronBase', 'u32'],
  ],
};

/** One chunk of pixels, at a dynamic offset (shaders/fields.wgsl). */
export const kChunk: StructLayout = {
  name: 'Chunk',
  fields: [
    ['pixelBase', 'u32'],
    ['pixelCount', 'u32'],
    ['neuronBegin', 'u32'],
    ['neuronEnd', 'u32'],
  ],
};

/** Per-frame uniform of the graph fields pass (shaders/graph.wgsl). */
export const kGraphFrame: StructLayout = {
  name: 'GraphFrame',
  fields: [
    ['width', 'u32'],
    ['height', 'u32'],
    ['stagesShown', 'u32'],
    ['scratchStride', 'u32'],
    ['u0', 'f32'],
    ['v0', 'f32'],
    ['pixelSize', 'f32'],
    ['stride', 'u32'],
    ['gridWidth', 'u32'],
    ['coarse', 'u32'],
    ['tilesX', 'u32'],
    ['outputUnit', 'u32'],
    ['outputSlot', 'u32'],
    ['outputCentre', 'u32'],
    ['outputUnits', 'u32'],
    ['accumWords', 'u32'],
  ],
};

/** One operation of the graph fields pass, at a dynamic offset (shaders/graph.wgsl). */
export const kGraphOp: StructLayout = {
  name: 'GraphOp',
  fields: [
    ['kind', 'u32'],
    ['size', 'u32'],
    ['in0', 'u32'],
    ['in1', 'u32'],
    ['out', 'u32'],
    ['weights', 'u32'],
    ['inDim', 'u32'],
    ['centreIn', 'u32'],
    ['centreOut', 'u32'],
    ['stage', 'u32'],
    ['unitBase', 'u32'],
    ['c', 'u32'],
    ['h', 'u32'],
    ['w', 'u32'],
    ['oc', 'u32'],
    ['oh', 'u32'],
    ['ow', 'u32'],
    ['kh', 'u32'],
    ['kw', 'u32'],
    ['sh', 'u32'],
    ['sw', 'u32'],
    ['pt', 'u32'],
    ['pl', 'u32'],
    ['dh', 'u32'],
    ['dw', 'u32'],
    ['groups', 'u32'],
    ['countPad', 'u32'],
    ['channelSize', 'u32'],
    ['alpha', 'f32'],
  ],
};

/** Per-frame uniform of the region-seeded pass of a graph (shaders/graphRegions.wgsl). */
export const kGraphRegionsFrame: StructLayout = {
  name: 'GraphRegionsFrame',
  fields: [
    ['width', 'u32'],
    ['height', 'u32'],
    ['stagesShown', 'u32'],
    ['opsRun', 'u32'],
    ['tilesX', 'u32'],
    ['slotStride', 'u32'],
    ['arena', 'u32'],
    ['lines', 'u32'],
    ['u0', 'f32'],
    ['v0', 'f32'],
    ['pixelSize', 'f32'],
    ['stride', 'u32'],
    ['tiles', 'u32'],
    ['labelsSet', 'u32'],
    ['outputUnit', 'u32'],
    ['outputSlot', 'u32'],
    ['outputCentre', 'u32'],
    ['outputUnits', 'u32'],
  ],
};

/** Per-frame uniform of the region-seeded pass (shaders/regions.wgsl). */
export const kRegionsFrame: StructLayout = {
  name: 'RegionsFrame',
  fields: [
    ['width', 'u32'],
    ['height', 'u32'],
    ['layersShown', 'u32'],
    ['layersRun', 'u32'],
    ['tilesX', 'u32'],
    ['slotStride', 'u32'],
    ['maxWidth', 'u32'],
    ['neurons', 'u32'],
    ['u0', 'f32'],
    ['v0', 'f32'],
    ['stride', 'u32'],
    ['tiles', 'u32'],
    ['gradientScale', 'f32'],
    ['withoutBiasBase', 'u32'],
    ['inverseSigmaBase', 'u32'],
    ['labelsSet', 'u32'],
    ['outputUnit', 'u32'],
  ],
};

/** One layer of the region-seeded pass, in a storage array (shaders/regions.wgsl). */
export const kLayerInfo: StructLayout = {
  name: 'LayerInfo',
  fields: [
    ['inDim', 'u32'],
    ['outDim', 'u32'],
    ['weightOffset', 'u32'],
    ['neuronBase', 'u32'],
  ],
};

/** The tiles of one dispatch of the region-seeded pass, at a dynamic offset (shaders/regions.wgsl). */
export const kTileChunk: StructLayout = {
  name: 'TileChunk',
  fields: [
    ['tileBase', 'u32'],
    ['tileCount', 'u32'],
    ['maxSeeds', 'u32'],
  ],
};

/** Uniform of the preview pass (shaders/blit.wgsl). */
export const kBlitParams: StructLayout = {
  name: 'BlitParams',
  fields: [
    ['scale', 'f32'],
    ['offsetX', 'f32'],
    ['offsetY', 'f32'],
    ['sourceWidth', 'f32'],
    ['sourceHeight', 'f32'],
  ],
};

/** Uniform of the colour pass (shaders/colour.wgsl). */
export const kColourParams: StructLayout = {
  name: 'ColourParams',
  fields: [
    ['width', 'u32'],
    ['height', 'u32'],
    ['palette', 'u32'],
    ['edgeWidth', 'f32'],
    ['layersShown', 'u32'],
    ['outputLow', 'f32'],
    ['imageWidth', 'u32'],
    ['theoremScale', 'f32'],
    ['finestDone', 'u32'],
    ['computing', 'u32'],
    ['tilesX', 'u32'],
    ['outputHigh', 'f32'],
  ],
};

/**
 * Words of the stats buffer: [0] bits of max |output| over the frame (atomicMax on positive f32 bits),
 * [1] full network evaluations (the region-seeded pass counts its own; the brute-force pass does one a pixel),
 * [2] bits of the largest integrand of the main formula over the frame (theorem mode),
 * [3] tiles (region-seeded) or chunks (brute force) done at the current stride, [4] pixels labelled so far.
 */
export const kStatsWords = 8;
/**
 * The statistics words. outputLow and outputHigh hold the least and largest output as order-preserving keys
 * (shaders/common.wgsl orderedKey; outputLow complemented); 0 in both: no output computed.
 */
export const kStat = {
  outputMax: 0,
  evaluations: 1,
  theoremMax: 2,
  unitsDone: 3,
  pixelsDone: 4,
  outputLow: 5,
  outputHigh: 6,
  /** Brute force: pixels of a grid in another region than their coarser grid's block corner. */
  newRegions: 7,
} as const;

/** The value of an order-preserving key (shaders/common.wgsl fromOrderedKey). */
export function fromOrderedKey(key: number): number {
  const bits = key & 0x80000000 ? key & 0x7fffffff : ~key >>> 0;
  return new Float32Array(new Uint32Array([bits]).buffer)[0] ?? Number.NaN;
}

/**
 * Words of the labels a tile has: a bit a pixel (then, after all tiles, one word a tile: bit 0 "done at this stride",
 * and the region-seeded pass's evaluations of the tile at this stride times 2).
 */
export const kLabelWords = (kTileSide * kTileSide) / 32;
/**
 * The counters buffer of a computation: the statistics (kStatsWords words) at 0, the labels (which pixels are done)
 * from this word on (256 bytes: a binding of the labels alone may start there).
 */
export const kLabelsBase = 64;

/**
 * `theorem`: the integrand of Hanin & Rolnick's main formula (expected boundary length per unit area), computed by
 * both passes in their THEOREM variant. `decision`: the class, the argmax of the output units (DECISION variants;
 * the record's output holds the class, its outputSlope the distance to the decision boundary in pixels).
 */
export const kColourModes = ['regions', 'edges', 'distance', 'layers', 'output', 'theorem', 'decision'] as const;
export type ColourMode = (typeof kColourModes)[number];
export const kPalettes = ['vivid', 'pastel', 'grey'] as const;
/** `fast`: region-seeded tiles (shaders/regions.wgsl); `brute`: one evaluation a pixel (shaders/fields.wgsl). */
export const kAlgorithms = ['fast', 'brute'] as const;
export type Algorithm = (typeof kAlgorithms)[number];
export type Palette = (typeof kPalettes)[number];
