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
import type { Layer, Net } from '../model/net.ts';
import { neuronBases, neuronCount, outputUnit } from '../model/net.ts';
import { foldFirstLayer } from '../model/view.ts';
import { GpuError } from './device.ts';
import { centreValues, type FieldsRequest, type FieldsTarget } from './fieldsRequest.ts';
import { createUniform, kLayerInfo, kRegionsFrame, kTileChunk, kTileSide, packStruct, structSize } from './layout.ts';
import { BufferSet, kCompute, NamedBindings, ShaderVariants } from './passKit.ts';

/** Scratch the tiles of one step may use: it bounds the tiles per step, not the image. */
const kScratchBudgetBytes = 128 * 2 ** 20;

type Binding = 'frame' | 'chunk' | 'layers' | 'weights' | 'centre' | 'scratch' | 'fields' | 'stats' | 'tileIds';

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

/** A frame ready to be recorded: its steps, and the pipeline of its shader variant. */
export interface RegionsFrame {
  readonly steps: number;
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  /** Tiles of each step (the last may have fewer). */
  readonly stepTiles: number;
  /** Tiles of the whole frame. */
  readonly tiles: number;
}

export class RegionsPass {
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
      stats: kCompute.write(),
      tileIds: kCompute.read(),
    });
    const layout = device.createPipelineLayout({
      label: 'RegionsPass.pipelineLayout',
      bindGroupLayouts: [this.bindings.layout],
    });
    const parts = [commonWgsl, hashWgsl, perturbationWgsl, regionsWgsl];
    this.variants = new ShaderVariants(device, 'regions.wgsl', parts, (module) =>
      device.createComputePipeline({
        label: 'RegionsPass.labelTile',
        layout,
        compute: { module, entryPoint: 'labelTile' },
      }),
    );
  }

  /**
   * Uploads the net: weights transposed and in groups of four neurons, [in][ceil(out / 4)] vec4s, so that an
   * invocation reads one vec4 an input and neighbouring invocations read neighbouring vec4s.
   */
  setNet(net: Net): void {
    this.netBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.sizeBuffers = null;
    const layers = [...net.hidden, outputUnit(net)];
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
      centre: buffers.make('centre', (neuronCount(net) + 1) * 4, storage),
      maxWidth,
      slotStride: 2 * maxWidth + neuronCount(net),
    };
  }

  /**
   * Uploads what a frame needs (the view-dependent first layer and centre values, the frame uniform, the list of
   * tiles to label: all of them, or `tiles`, and one chunk uniform per step of at most `stepTiles` tiles), and
   * compiles its shader variant on first use. Then `encodeStep` records any step, in any order.
   */
  async prepare(
    request: FieldsRequest,
    target: FieldsTarget,
    tiles: Uint32Array | null,
    stepTiles: number,
  ): Promise<RegionsFrame> {
    const nb = this.netBuffers;
    if (!nb) throw new GpuError('RegionsPass.prepare before setNet');
    const pipeline = await this.variants.get({ OUTPUT: request.computeOutput });
    const sb = this.ensureSize(nb, request);
    const L = nb.net.hidden.length;
    const shown = Math.max(1, Math.min(L, Math.round(request.layersShown)));
    const fullSize = request.fullSize ?? request.size;
    const [ox, oy] = request.origin ?? [0, 0];
    // The first layer folded with the view, laid out like the others: all a_n, then all b_n (padded to vec4s).
    const folded = foldFirstLayer(nb.net, request.view, fullSize);
    const width0 = folded.length / 2;
    const stride = 4 * Math.ceil(width0 / 4);
    const transposed = new Float32Array(2 * stride);
    for (let n = 0; n < width0; n++) {
      transposed[n] = folded[2 * n] ?? 0;
      transposed[stride + n] = folded[2 * n + 1] ?? 0;
    }
    this.device.queue.writeBuffer(nb.weights, 0, transposed);
    this.device.queue.writeBuffer(nb.centre, 0, centreValues(nb.net, request.view));
    const frame = packStruct(kRegionsFrame, {
      width: request.size.width,
      height: request.size.height,
      layersShown: shown,
      layersRun: request.computeOutput ? L : shown,
      tilesX: Math.ceil(request.size.width / kTileSide),
      slotStride: nb.slotStride,
      maxWidth: nb.maxWidth,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
    });
    this.device.queue.writeBuffer(this.frame, 0, frame);
    const list = tiles ?? Uint32Array.from({ length: sb.tiles }, (_, i) => i);
    this.device.queue.writeBuffer(sb.tileIds, 0, list);
    const step = Math.max(1, Math.min(stepTiles, sb.tilesPerStep));
    const steps = Math.ceil(list.length / step);
    const chunkWords = new Uint32Array((steps * this.slot) / 4);
    for (let s = 0; s < steps; s++) {
      const chunk = { tileBase: s * step, tileCount: Math.min(step, list.length - s * step) };
      chunkWords.set(packStruct(kTileChunk, chunk), (s * this.slot) / 4);
    }
    if (sb.chunks.size < chunkWords.byteLength) {
      // Grown (twice what is needed, so that it rarely grows again); the old one goes with the set.
      const usage = GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST;
      sb.chunks = sb.buffers.make('chunks', 2 * chunkWords.byteLength, usage);
      sb.bindGroups.clear();
    }
    this.device.queue.writeBuffer(sb.chunks, 0, chunkWords);
    const bindGroup = this.bindGroupFor(nb, sb, target);
    return { steps, pipeline, bindGroup, stepTiles: step, tiles: list.length };
  }

  /** Records step `s` of a prepared frame. */
  encodeStep(encoder: GPUCommandEncoder, frame: RegionsFrame, s: number): void {
    const pass = encoder.beginComputePass({ label: 'RegionsPass.pass' });
    pass.setPipeline(frame.pipeline);
    pass.setBindGroup(0, frame.bindGroup, [s * this.slot]);
    pass.dispatchWorkgroups(Math.min(frame.stepTiles, frame.tiles - s * frame.stepTiles));
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
      stats: { buffer: target.stats },
      tileIds: { buffer: sb.tileIds },
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
