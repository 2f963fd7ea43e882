/**
 * The region-seeded fields pass (shaders/regions.wgsl): the same fields as the brute-force FieldsPass, labelling
 * 32 x 32 tiles region by region, one network evaluation per (region, tile) pair. A frame is a list of tiles in steps
 * of a chosen number of tiles; each step has its own uniform slot (a dynamic offset), so the steps can be recorded
 * and submitted in any grouping.
 */
import commonWgsl from '../../shaders/common.wgsl?raw';
import hashWgsl from '../../shaders/hash.wgsl?raw';
import perturbationWgsl from '../../shaders/perturbation.wgsl?raw';
import regionsWgsl from '../../shaders/regions.wgsl?raw';
import statisticsWgsl from '../../shaders/statistics.wgsl?raw';
import type { Layer, Net } from '../model/net.ts';
import { neuronBases, neuronCount, outputCount, outputUnit } from '../model/net.ts';
import { foldFirstLayer, pixelSize } from '../model/view.ts';
import { GpuError } from './device.ts';
import {
  centreValues,
  type FieldsRequest,
  type FieldsTarget,
  requestUnit,
  theoremValues,
  variantOf,
} from './fieldsRequest.ts';
import { createUniform, kLayerInfo, kRegionsFrame, kTileChunk, kTileSide, packStruct, structSize } from './layout.ts';
import { BufferSet, kCompute, NamedBindings, ShaderVariants } from './passKit.ts';

/** Scratch the tiles of one step may use: it bounds the tiles per step, not the image. */
const kScratchBudgetBytes = 128 * 2 ** 20;

type Binding =
  | 'frame'
  | 'chunk'
  | 'layers'
  | 'weights'
  | 'centre'
  | 'scratch'
  | 'fields'
  | 'counters'
  | 'tileIds'
  | 'theorem';

interface NetBuffers {
  readonly net: Net;
  readonly buffers: BufferSet;
  readonly layers: GPUBuffer;
  readonly weights: GPUBuffer;
  readonly centre: GPUBuffer;
  readonly maxWidth: number;
  readonly slotStride: number;
}

interface SizeBuffers {
  readonly buffers: BufferSet;
  /** Tiles of the whole fields buffer. */
  readonly tiles: number;
  readonly tilesPerStep: number;
  readonly scratch: GPUBuffer;
  readonly tileIds: GPUBuffer;
  /** One TileChunk a step, at dynamic offsets; grown when a frame has more steps. */
  chunks: GPUBuffer;
  /** By fields buffer: the renderer alternates between two. */
  readonly bindGroups: Map<GPUBuffer, GPUBindGroup>;
}

/** Tiles in an order spread over the picture: their Morton (Z-order) index with its 32 bits reversed. */
export function spreadKey(x: number, y: number): number {
  let morton = 0;
  for (let bit = 0; bit < 16; bit++) morton |= (((x >> bit) & 1) << (2 * bit)) | (((y >> bit) & 1) << (2 * bit + 1));
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) reversed = (reversed << 1) | ((morton >>> bit) & 1);
  return reversed >>> 0;
}

/**
 * The tiles of `frame`'s list that hold pixels of the grid of `stride` (both region-seeded passes). Strides are powers
 * of two: up to the tile side every tile holds grid pixels; above, those at multiples of it. With `spread` (a picture
 * in steps), in an order spread over the picture, so that a step's tiles refine the whole picture a little, not one
 * band of it; in one go, row by row (a spread order makes a whole picture a quarter slower on SwiftShader).
 */
export function strideTiles(frame: RegionsFrame, stride: number, spread: boolean): Uint32Array {
  const tilesX = frame.values.tilesX ?? 1;
  const holds = (tile: number): boolean =>
    ((tile % tilesX) * kTileSide) % stride === 0 && (Math.floor(tile / tilesX) * kTileSide) % stride === 0;
  const list = stride <= kTileSide ? frame.list : frame.list.filter(holds);
  const key = (tile: number): number => spreadKey(tile % tilesX, Math.floor(tile / tilesX));
  return spread ? Uint32Array.from([...list].sort((a, b) => key(a) - key(b))) : list;
}

/** A frame being labelled: its shader variant, its tiles, and the steps last written. */
export interface RegionsFrame {
  readonly pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Tiles in the list of the current stride (those holding pixels of its grid). */
  tiles: number;
  /** The frame's tiles at stride 1 (all of them, or those a pan exposed). */
  readonly list: Uint32Array;
  /** The tiles the steps go over now (`tiles` of them). */
  current: Uint32Array;
  /** The most tiles one step can hold (scratch memory). */
  readonly tilesPerStep: number;
  /** The frame uniform's values (the stride changes per level). */
  readonly values: Record<string, number>;
  readonly target: FieldsTarget;
  /** Of the steps last written: tiles a step, and the first tile. */
  stepTiles: number;
  first: number;
}

/**
 * A region-seeded pass as fieldsJob.ts drives it: begin a frame, then per stride setStride, and steps of tiles
 * (writeSteps, encodeStep). RegionsPass (an MLP) and GraphRegionsPass (a graph) are its two kinds.
 */
export interface TilePass {
  ready(request: FieldsRequest): boolean;
  begin(request: FieldsRequest, target: FieldsTarget, tiles: Uint32Array | null): Promise<RegionsFrame>;
  setStride(frame: RegionsFrame, stride: number, labelsSet: boolean, spread: boolean): number;
  setTiles(frame: RegionsFrame, list: Uint32Array): void;
  writeSteps(
    frame: RegionsFrame,
    first: number,
    stepTiles: number,
    maxSeeds: number,
    maxSteps?: number,
  ): { steps: number; tiles: number };
  encodeStep(encoder: GPUCommandEncoder, frame: RegionsFrame, s: number): void;
}

export class RegionsPass implements TilePass {
  private readonly frame: GPUBuffer;
  private readonly slot: number;
  private readonly bindings: NamedBindings<Binding>;
  private readonly variants: ShaderVariants<GPUComputePipeline>;
  private netBuffers: NetBuffers | null = null;
  private sizeBuffers: SizeBuffers | null = null;

  constructor(private readonly device: GPUDevice) {
    this.slot = Math.max(device.limits.minUniformBufferOffsetAlignment, 256);
    this.frame = createUniform(device, 'RegionsPass.frame', kRegionsFrame);
    this.bindings = new NamedBindings<Binding>(device, 'RegionsPass', regionsWgsl, {
      frame: kCompute.uniform(),
      chunk: kCompute.uniform(true, structSize(kTileChunk)),
      layers: kCompute.read(),
      weights: kCompute.read(),
      centre: kCompute.read(),
      scratch: kCompute.write(),
      fields: kCompute.write(),
      counters: kCompute.write(),
      tileIds: kCompute.read(),
      theorem: kCompute.write(),
    });
    const layout = device.createPipelineLayout({
      label: 'RegionsPass.pipelineLayout',
      bindGroupLayouts: [this.bindings.layout],
    });
    const parts = [commonWgsl, hashWgsl, perturbationWgsl, statisticsWgsl, regionsWgsl];
    // Made asynchronously: the GPU process compiles it aside, not in its queue (a first picture waits for less).
    this.variants = new ShaderVariants(device, 'regions.wgsl', parts, (module) =>
      device.createComputePipelineAsync({
        label: 'RegionsPass.labelTile',
        layout,
        compute: { module, entryPoint: 'labelTile' },
      }),
    );
  }

  /** Whether the shader variant of `request` is compiled (a first grid can wait for it, or be the CPU's). */
  ready(request: FieldsRequest): boolean {
    return this.variants.ready(variantOf(request));
  }

  /** Starts compiling the shader variant of `defines` (the first picture's, while the app starts). */
  prepare(defines: { OUTPUT: boolean; DECISION: boolean; THEOREM: boolean }): void {
    // A failure is reported where the variant is awaited (begin), and the variant tried again there.
    this.variants.get(defines).catch(() => undefined);
  }

  /**
   * Uploads the net: weights transposed and in groups of four neurons, [in][ceil(out / 4)] vec4s, so that an
   * invocation reads one vec4 an input and neighbouring invocations read neighbouring vec4s.
   */
  setNet(net: Net): void {
    this.netBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.sizeBuffers = null;
    // Every output unit: the request chooses the one shown (frame.outputUnit), or the decision takes them all.
    const layers = [...net.hidden, net.output ?? outputUnit(net)];
    const bases = [...neuronBases(net), neuronCount(net)];
    const info = new Uint32Array(layers.length * (structSize(kLayerInfo) / 4));
    const groups = (layer: Layer): number => Math.ceil(layer.outDim / 4);
    let total = 0;
    layers.forEach((layer, l) => {
      const values = { inDim: layer.inDim, outDim: layer.outDim, weightOffset: total, neuronBase: bases[l] ?? 0 };
      info.set(packStruct(kLayerInfo, values), l * 4);
      total += layer.inDim * groups(layer);
    });
    const weights = new Float32Array(total * 4);
    let offset = 0;
    for (const layer of layers) {
      const stride = 4 * groups(layer);
      for (let n = 0; n < layer.outDim; n++) {
        for (let k = 0; k < layer.inDim; k++) weights[offset + k * stride + n] = layer.weight[n * layer.inDim + k] ?? 0;
      }
      offset += layer.inDim * stride;
    }
    const buffers = new BufferSet(this.device, 'RegionsPass');
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const maxWidth = Math.max(...net.hidden.map((l) => l.outDim));
    this.netBuffers = {
      net,
      buffers,
      layers: buffers.make('layers', info.byteLength, storage, info),
      weights: buffers.make('weights', weights.byteLength, storage, weights),
      // z(c) for every neuron and output unit, then z(c) - b and 1 / sigma_b for every neuron (theorem mode).
      centre: buffers.make('centre', (3 * neuronCount(net) + outputCount(net)) * 4, storage),
      maxWidth,
      // Two activation rows, the kept lines, and the theorem's list of every neuron's map (THEOREM variant).
      slotStride: 2 * maxWidth + 2 * neuronCount(net),
    };
  }

  /**
   * Uploads what a frame needs (the view-dependent first layer and centre values, the frame uniform, the list of
   * tiles to label: all of them, or `tiles`) and compiles its shader variant on first use. Then, for each stride,
   * `setStride`, and for each run of steps `writeSteps` and `encodeStep`.
   */
  async begin(request: FieldsRequest, target: FieldsTarget, tiles: Uint32Array | null): Promise<RegionsFrame> {
    const nb = this.netBuffers;
    if (!nb) throw new GpuError('RegionsPass.begin before setNet');
    const theorem = (request.theoremSigmaB ?? 0) > 0;
    const pipeline = await this.variants.get(variantOf(request));
    // A new net while the shader compiled: its buffers replaced these, and this frame's computation was given up.
    if (this.netBuffers !== nb) throw new GpuError('RegionsPass.begin: the net changed while its shader compiled');
    const sb = this.ensureSize(nb, request);
    const L = nb.net.hidden.length;
    const shown = Math.max(1, Math.min(L, Math.round(request.layersShown)));
    const fullSize = request.fullSize ?? request.size;
    const [ox, oy] = request.origin ?? [0, 0];
    // The first layer folded with the view, laid out like the others: all a_n, then all b_n (padded to vec4s).
    const folded = foldFirstLayer(nb.net, request.view, fullSize);
    const width0 = folded.length / 2;
    const rowStride = 4 * Math.ceil(width0 / 4);
    const transposed = new Float32Array(2 * rowStride);
    for (let n = 0; n < width0; n++) {
      transposed[n] = folded[2 * n] ?? 0;
      transposed[rowStride + n] = folded[2 * n + 1] ?? 0;
    }
    this.device.queue.writeBuffer(nb.weights, 0, transposed);
    this.device.queue.writeBuffer(nb.centre, 0, centreValues(nb.net, request.view));
    const neurons = neuronCount(nb.net);
    const units = outputCount(nb.net);
    if (theorem) {
      const exponents = request.neuronExponents ?? new Int32Array(neurons);
      const values = theoremValues(nb.net, request.view, exponents, request.theoremSigmaB ?? 1);
      this.device.queue.writeBuffer(nb.centre, (neurons + units) * 4, values);
    }
    const values = {
      width: request.size.width,
      height: request.size.height,
      layersShown: shown,
      layersRun: request.computeOutput ? L : shown,
      tilesX: Math.ceil(request.size.width / kTileSide),
      // Scratch is sized for the theorem mode's slots; the others leave out the per-neuron list and pack tighter.
      slotStride: theorem ? nb.slotStride : nb.slotStride - neurons,
      maxWidth: nb.maxWidth,
      neurons,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
      stride: 1,
      tiles: sb.tiles,
      gradientScale: 1 / pixelSize(request.view, fullSize),
      withoutBiasBase: neurons + units,
      inverseSigmaBase: 2 * neurons + units,
      labelsSet: 1,
      outputUnit: requestUnit(request, units),
    };
    this.device.queue.writeBuffer(this.frame, 0, packStruct(kRegionsFrame, values));
    const list = tiles ?? Uint32Array.from({ length: sb.tiles }, (_, i) => i);
    this.device.queue.writeBuffer(sb.tileIds, 0, list);
    const bindGroup = this.bindGroupFor(nb, sb, target);
    const tileCount = list.length;
    return {
      pipeline,
      bindGroup,
      tiles: tileCount,
      list,
      current: list,
      tilesPerStep: sb.tilesPerStep,
      values,
      target,
      stepTiles: 1,
      first: 0,
    };
  }

  /**
   * The grid the next steps label: every `stride`-th pixel in x and y (coarse to fine), in the tiles that hold pixels
   * of it (a stride above the tile side leaves most tiles without any). `labelsSet`: some pixels are marked done
   * already (a coarser grid, or a pan's moved pixels). Returns how many tiles that is.
   */
  setStride(frame: RegionsFrame, stride: number, labelsSet: boolean, spread: boolean): number {
    frame.values.stride = stride;
    frame.values.labelsSet = labelsSet ? 1 : 0;
    this.device.queue.writeBuffer(this.frame, 0, packStruct(kRegionsFrame, frame.values));
    const list = strideTiles(frame, stride, spread);
    this.setTiles(frame, list);
    return list.length;
  }

  /** The tiles the next steps go over (a subset of the stride's: those not done yet). */
  setTiles(frame: RegionsFrame, list: Uint32Array): void {
    const sb = this.sizeBuffers;
    if (!sb) throw new GpuError('RegionsPass.setTiles before begin');
    this.device.queue.writeBuffer(sb.tileIds, 0, list);
    frame.tiles = list.length;
    frame.current = list;
  }

  /**
   * Writes the steps that label the frame's tiles from `first` on, `stepTiles` tiles a step (at most the scratch
   * allows), each tile evaluating at most `maxSeeds` seeds a step. Returns the number of steps written; encodeStep
   * records them, each from its own uniform slot, in any grouping.
   */
  writeSteps(
    frame: RegionsFrame,
    first: number,
    stepTiles: number,
    maxSeeds: number,
    maxSteps = Number.POSITIVE_INFINITY,
  ): { steps: number; tiles: number } {
    const sb = this.sizeBuffers;
    if (!sb) throw new GpuError('RegionsPass.writeSteps before begin');
    const step = Math.max(1, Math.min(Math.floor(stepTiles), sb.tilesPerStep));
    const steps = Math.min(maxSteps, Math.ceil((frame.tiles - first) / step));
    const words = new Uint32Array((steps * this.slot) / 4);
    for (let s = 0; s < steps; s++) {
      const tileBase = first + s * step;
      const chunk = { tileBase, tileCount: Math.min(step, frame.tiles - tileBase), maxSeeds: maxSeeds >>> 0 };
      words.set(packStruct(kTileChunk, chunk), (s * this.slot) / 4);
    }
    if (sb.chunks.size < words.byteLength) {
      // Grown (twice what is needed, so that it rarely grows again); the old one goes with the set.
      sb.chunks = sb.buffers.make('chunks', 2 * words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      sb.bindGroups.clear();
      frame.bindGroup = this.bindGroupFor(this.netBuffers as NetBuffers, sb, frame.target);
    }
    this.device.queue.writeBuffer(sb.chunks, 0, words);
    frame.stepTiles = step;
    frame.first = first;
    return { steps, tiles: step };
  }

  /** Records step `s` of the steps last written. */
  encodeStep(encoder: GPUCommandEncoder, frame: RegionsFrame, s: number): void {
    const pass = encoder.beginComputePass({ label: 'RegionsPass.pass' });
    pass.setPipeline(frame.pipeline);
    pass.setBindGroup(0, frame.bindGroup, [s * this.slot]);
    pass.dispatchWorkgroups(Math.min(frame.stepTiles, frame.tiles - frame.first - s * frame.stepTiles));
    pass.end();
  }

  private ensureSize(nb: NetBuffers, request: FieldsRequest): SizeBuffers {
    const { width, height } = request.size;
    const tiles = Math.ceil(width / kTileSide) * Math.ceil(height / kTileSide);
    if (this.sizeBuffers?.tiles === tiles) return this.sizeBuffers;
    this.sizeBuffers?.buffers.destroy();
    const slotBytes = nb.slotStride * 16;
    const budget = Math.min(kScratchBudgetBytes, this.device.limits.maxStorageBufferBindingSize);
    if (slotBytes > budget) {
      throw new GpuError(`the net needs ${slotBytes} bytes of scratch per tile; this GPU binds at most ${budget}`);
    }
    const tilesPerStep = Math.max(
      1,
      Math.min(tiles, Math.floor(budget / slotBytes), this.device.limits.maxComputeWorkgroupsPerDimension),
    );
    const buffers = new BufferSet(this.device, 'RegionsPass');
    const uniform = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
    this.sizeBuffers = {
      buffers,
      tiles,
      tilesPerStep,
      scratch: buffers.make('scratch', tilesPerStep * slotBytes, GPUBufferUsage.STORAGE),
      tileIds: buffers.make('tileIds', tiles * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST),
      chunks: buffers.make('chunks', this.slot * Math.min(tiles, 64), uniform),
      bindGroups: new Map(),
    };
    return this.sizeBuffers;
  }

  /** The bind group writing `target`; only the two of the renderer's current fields buffers are kept. */
  private bindGroupFor(nb: NetBuffers, sb: SizeBuffers, target: FieldsTarget): GPUBindGroup {
    let group = sb.bindGroups.get(target.fields);
    if (group) return group;
    const oldest = sb.bindGroups.keys().next().value;
    if (sb.bindGroups.size >= 2 && oldest) sb.bindGroups.delete(oldest);
    group = this.bindings.group('bindGroup', {
      frame: { buffer: this.frame },
      chunk: { buffer: sb.chunks, size: structSize(kTileChunk) },
      layers: { buffer: nb.layers },
      weights: { buffer: nb.weights },
      centre: { buffer: nb.centre },
      scratch: { buffer: sb.scratch },
      fields: { buffer: target.fields },
      counters: { buffer: target.counters },
      tileIds: { buffer: sb.tileIds },
      theorem: { buffer: target.theorem },
    });
    sb.bindGroups.set(target.fields, group);
    return group;
  }

  /** Bind groups kept (tests: at most one for each of the renderer's two fields buffers). */
  get bindGroupCount(): number {
    return this.sizeBuffers?.bindGroups.size ?? 0;
  }

  destroy(): void {
    this.netBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.frame.destroy();
  }
}
