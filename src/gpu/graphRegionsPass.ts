/**
 * The region-seeded fields pass of a network graph (shaders/graphRegions.wgsl): the same fields as GraphPass, one
 * graph evaluation per (region, 32 x 32 tile) pair, driven by fieldsJob.ts exactly as the MLP's RegionsPass (the
 * TilePass interface): a frame is a list of tiles in steps, each step its own uniform slot.
 */
import commonWgsl from '../../shaders/common.wgsl?raw';
import graphOpsWgsl from '../../shaders/graphOps.wgsl?raw';
import graphRegionsWgsl from '../../shaders/graphRegions.wgsl?raw';
import hashWgsl from '../../shaders/hash.wgsl?raw';
import statisticsWgsl from '../../shaders/statistics.wgsl?raw';
import { type Graph, stagesOf, tensorSize, unitCount } from '../model/graph/graph.ts';
import { GraphForward } from '../model/graph/graphForward.ts';
import { pixelSize } from '../model/view.ts';
import { GpuError } from './device.ts';
import { type FieldsRequest, type FieldsTarget, requestUnit, variantOf } from './fieldsRequest.ts';
import { type GpuOp, lowerGraph } from './graphLowering.ts';
import {
  createUniform,
  kGraphOp,
  kGraphRegionsFrame,
  kMaxOutputs,
  kTileChunk,
  kTileSide,
  packStruct,
  structSize,
} from './layout.ts';
import { BufferSet, kCompute, NamedBindings, ShaderVariants } from './passKit.ts';
import { type RegionsFrame, strideTiles, type TilePass } from './regionsPass.ts';

/** Scratch the tiles of one step may use: it bounds the tiles per step, not the image. */
const kScratchBudgetBytes = 128 * 2 ** 20;

type Binding = 'frame' | 'chunk' | 'ops' | 'weights' | 'centre' | 'scratch' | 'fields' | 'counters' | 'tileIds';

interface GraphBuffers {
  readonly graph: Graph;
  readonly buffers: BufferSet;
  readonly ops: GPUBuffer;
  readonly weights: GPUBuffer;
  readonly centre: GPUBuffer;
  readonly gpuOps: readonly GpuOp[];
  readonly opsThroughStage: readonly number[];
  readonly arena: number;
  readonly lines: number;
  readonly centreOffsets: readonly number[];
  readonly stages: number;
  readonly outputSlot: number;
}

interface SizeBuffers {
  readonly buffers: BufferSet;
  readonly tiles: number;
  readonly tilesPerStep: number;
  readonly scratch: GPUBuffer;
  readonly tileIds: GPUBuffer;
  chunks: GPUBuffer;
  readonly bindGroups: Map<GPUBuffer, GPUBindGroup>;
}

export class GraphRegionsPass implements TilePass {
  private readonly frame: GPUBuffer;
  private readonly slot: number;
  private readonly bindings: NamedBindings<Binding>;
  private readonly variants: ShaderVariants<GPUComputePipeline>;
  private graphBuffers: GraphBuffers | null = null;
  private sizeBuffers: SizeBuffers | null = null;

  constructor(private readonly device: GPUDevice) {
    this.slot = Math.max(device.limits.minUniformBufferOffsetAlignment, 256);
    this.frame = createUniform(device, 'GraphRegionsPass.frame', kGraphRegionsFrame);
    this.bindings = new NamedBindings<Binding>(device, 'GraphRegionsPass', graphRegionsWgsl, {
      frame: kCompute.uniform(),
      chunk: kCompute.uniform(true, structSize(kTileChunk)),
      ops: kCompute.read(),
      weights: kCompute.read(),
      centre: kCompute.read(),
      scratch: kCompute.write(),
      fields: kCompute.write(),
      counters: kCompute.write(),
      tileIds: kCompute.read(),
    });
    const layout = device.createPipelineLayout({
      label: 'GraphRegionsPass.pipelineLayout',
      bindGroupLayouts: [this.bindings.layout],
    });
    const parts = [commonWgsl, hashWgsl, statisticsWgsl, graphOpsWgsl, graphRegionsWgsl];
    this.variants = new ShaderVariants(device, 'graphRegions.wgsl', parts, (module) =>
      device.createComputePipeline({
        label: 'GraphRegionsPass.labelTile',
        layout,
        compute: { module, entryPoint: 'labelTile' },
      }),
    );
  }

  private static variant(request: FieldsRequest): { OUTPUT: boolean; DECISION: boolean } {
    const { OUTPUT, DECISION } = variantOf(request);
    return { OUTPUT, DECISION };
  }

  ready(request: FieldsRequest): boolean {
    return this.variants.ready(GraphRegionsPass.variant(request));
  }

  /** Uploads the graph (GraphPass.setGraph checked that it fits). */
  setGraph(graph: Graph): void {
    const lowered = lowerGraph(graph);
    this.graphBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.sizeBuffers = null;
    const buffers = new BufferSet(this.device, 'GraphRegionsPass');
    const opWords = structSize(kGraphOp) / 4;
    const ops = new Uint32Array(Math.max(1, lowered.gpuOps.length) * opWords);
    lowered.gpuOps.forEach((op, i) => {
      ops.set(packStruct(kGraphOp, op.values), i * opWords);
    });
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const centreSize = (lowered.centreOffsets.at(-1) ?? 0) + tensorSize(graph, graph.output);
    // Kept lines: one a relu unit, (positions - 1) a max-pool window; the units bound them.
    const lines = Math.max(1, unitCount(graph));
    this.graphBuffers = {
      graph,
      buffers,
      ops: buffers.make('ops', ops.byteLength, storage, ops),
      weights: buffers.make('weights', lowered.weights.byteLength, storage, lowered.weights),
      centre: buffers.make('centre', centreSize * 4, storage),
      gpuOps: lowered.gpuOps,
      opsThroughStage: lowered.opsThroughStage,
      arena: lowered.arena,
      lines,
      centreOffsets: lowered.centreOffsets,
      stages: stagesOf(graph).length,
      outputSlot: lowered.outputSlot,
    };
  }

  async begin(request: FieldsRequest, target: FieldsTarget, tiles: Uint32Array | null): Promise<RegionsFrame> {
    const gb = this.graphBuffers;
    if (!gb) throw new GpuError('GraphRegionsPass.begin before setGraph');
    if (variantOf(request).THEOREM) throw new GpuError('the theorem mode applies to MLPs only');
    const pipeline = await this.variants.get(GraphRegionsPass.variant(request));
    if (this.graphBuffers !== gb)
      throw new GpuError('GraphRegionsPass.begin: the network changed while its shader compiled');
    const sb = this.ensureSize(gb, request);
    const shown = Math.max(1, Math.min(gb.stages, Math.round(request.layersShown)));
    const pass = new GraphForward(gb.graph, 0);
    pass.run([request.view.cx, request.view.cy]);
    const centre = new Float32Array((gb.centreOffsets.at(-1) ?? 0) + tensorSize(gb.graph, gb.graph.output));
    pass.tensors.forEach((t, i) => {
      centre.set(t.value, gb.centreOffsets[i] ?? 0);
    });
    this.device.queue.writeBuffer(gb.centre, 0, centre);
    const fullSize = request.fullSize ?? request.size;
    const [ox, oy] = request.origin ?? [0, 0];
    const units = tensorSize(gb.graph, gb.graph.output);
    const values = {
      width: request.size.width,
      height: request.size.height,
      stagesShown: shown,
      opsRun: request.computeOutput ? gb.gpuOps.length : (gb.opsThroughStage[shown - 1] ?? gb.gpuOps.length),
      tilesX: Math.ceil(request.size.width / kTileSide),
      slotStride: gb.arena + gb.lines,
      arena: gb.arena,
      lines: gb.lines,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
      pixelSize: pixelSize(request.view, fullSize),
      stride: 1,
      tiles: sb.tiles,
      labelsSet: 1,
      outputUnit: requestUnit(request, units),
      outputSlot: gb.outputSlot,
      outputCentre: gb.centreOffsets[gb.graph.output] ?? 0,
      outputUnits: Math.min(units, kMaxOutputs),
    };
    this.device.queue.writeBuffer(this.frame, 0, packStruct(kGraphRegionsFrame, values));
    const list = tiles ?? Uint32Array.from({ length: sb.tiles }, (_, i) => i);
    this.device.queue.writeBuffer(sb.tileIds, 0, list);
    return {
      pipeline,
      bindGroup: this.bindGroupFor(gb, sb, target),
      tiles: list.length,
      list,
      current: list,
      tilesPerStep: sb.tilesPerStep,
      values,
      target,
      stepTiles: 1,
      first: 0,
    };
  }

  setStride(frame: RegionsFrame, stride: number, labelsSet: boolean, spread: boolean): number {
    frame.values.stride = stride;
    frame.values.labelsSet = labelsSet ? 1 : 0;
    this.device.queue.writeBuffer(this.frame, 0, packStruct(kGraphRegionsFrame, frame.values));
    const list = strideTiles(frame, stride, spread);
    this.setTiles(frame, list);
    return list.length;
  }

  setTiles(frame: RegionsFrame, list: Uint32Array): void {
    const sb = this.sizeBuffers;
    if (!sb) throw new GpuError('GraphRegionsPass.setTiles before begin');
    this.device.queue.writeBuffer(sb.tileIds, 0, list);
    frame.tiles = list.length;
    frame.current = list;
  }

  writeSteps(
    frame: RegionsFrame,
    first: number,
    stepTiles: number,
    maxSeeds: number,
    maxSteps = Number.POSITIVE_INFINITY,
  ): { steps: number; tiles: number } {
    const sb = this.sizeBuffers;
    const gb = this.graphBuffers;
    if (!sb || !gb) throw new GpuError('GraphRegionsPass.writeSteps before begin');
    const step = Math.max(1, Math.min(Math.floor(stepTiles), sb.tilesPerStep));
    const steps = Math.min(maxSteps, Math.ceil((frame.tiles - first) / step));
    const words = new Uint32Array((Math.max(1, steps) * this.slot) / 4);
    for (let s = 0; s < steps; s++) {
      const tileBase = first + s * step;
      const chunk = { tileBase, tileCount: Math.min(step, frame.tiles - tileBase), maxSeeds: maxSeeds >>> 0 };
      words.set(packStruct(kTileChunk, chunk), (s * this.slot) / 4);
    }
    if (sb.chunks.size < words.byteLength) {
      sb.chunks = sb.buffers.make('chunks', 2 * words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      sb.bindGroups.clear();
      frame.bindGroup = this.bindGroupFor(gb, sb, frame.target);
    }
    this.device.queue.writeBuffer(sb.chunks, 0, words);
    frame.stepTiles = step;
    frame.first = first;
    return { steps, tiles: step };
  }

  encodeStep(encoder: GPUCommandEncoder, frame: RegionsFrame, s: number): void {
    const pass = encoder.beginComputePass({ label: 'GraphRegionsPass.pass' });
    pass.setPipeline(frame.pipeline);
    pass.setBindGroup(0, frame.bindGroup, [s * this.slot]);
    pass.dispatchWorkgroups(Math.min(frame.stepTiles, frame.tiles - frame.first - s * frame.stepTiles));
    pass.end();
  }

  private ensureSize(gb: GraphBuffers, request: FieldsRequest): SizeBuffers {
    const { width, height } = request.size;
    const tiles = Math.ceil(width / kTileSide) * Math.ceil(height / kTileSide);
    if (this.sizeBuffers?.tiles === tiles) return this.sizeBuffers;
    this.sizeBuffers?.buffers.destroy();
    const slotBytes = (gb.arena + gb.lines) * 16;
    const budget = Math.min(kScratchBudgetBytes, this.device.limits.maxStorageBufferBindingSize);
    if (slotBytes > budget) {
      throw new GpuError(`the network needs ${slotBytes} bytes of scratch per tile; this GPU binds at most ${budget}`);
    }
    const tilesPerStep = Math.max(
      1,
      Math.min(tiles, Math.floor(budget / slotBytes), this.device.limits.maxComputeWorkgroupsPerDimension),
    );
    const buffers = new BufferSet(this.device, 'GraphRegionsPass');
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

  private bindGroupFor(gb: GraphBuffers, sb: SizeBuffers, target: FieldsTarget): GPUBindGroup {
    let group = sb.bindGroups.get(target.fields);
    if (group) return group;
    const oldest = sb.bindGroups.keys().next().value;
    if (sb.bindGroups.size >= 2 && oldest) sb.bindGroups.delete(oldest);
    group = this.bindings.group('bindGroup', {
      frame: { buffer: this.frame },
      chunk: { buffer: sb.chunks, size: structSize(kTileChunk) },
      ops: { buffer: gb.ops },
      weights: { buffer: gb.weights },
      centre: { buffer: gb.centre },
      scratch: { buffer: sb.scratch },
      fields: { buffer: target.fields },
      counters: { buffer: target.counters },
      tileIds: { buffer: sb.tileIds },
    });
    sb.bindGroups.set(target.fields, group);
    return group;
  }

  destroy(): void {
    this.graphBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.frame.destroy();
  }
}
