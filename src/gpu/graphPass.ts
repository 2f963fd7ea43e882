/**
 * The brute-force fields pass of a network graph (shaders/graph.wgsl): one evaluation of every operation a pixel, in
 * the graph's order, as fieldsJob.ts drives any brute-force pass (BrutePass): a "layer" here is a GPU operation. The
 * graph's operations become GPU operations once per graph (setGraph): a concatenation is one copy per input, a bias
 * a copy (in the perturbation form a constant drops out); every tensor gets a scratch slot, reused once no later
 * operation reads it. Convolutions keep their kernels, never a dense matrix.
 */
import commonWgsl from '../../shaders/common.wgsl?raw';
import graphWgsl from '../../shaders/graph.wgsl?raw';
import graphOpsWgsl from '../../shaders/graphOps.wgsl?raw';
import hashWgsl from '../../shaders/hash.wgsl?raw';
import statisticsWgsl from '../../shaders/statistics.wgsl?raw';
import { type Graph, stagesOf, tensorSize } from '../model/graph/graph.ts';
import { GraphForward } from '../model/graph/graphForward.ts';
import { type ImageSize, pixelSize } from '../model/view.ts';
import { GpuError } from './device.ts';
import type { BruteFrame, BrutePass, Pipelines } from './fieldsPass.ts';
import { type FieldsRequest, type FieldsTarget, NetTooLargeError, requestUnit, variantOf } from './fieldsRequest.ts';
import { type GpuOp, lowerGraph } from './graphLowering.ts';
import {
  createUniform,
  kChunk,
  kGraphFrame,
  kGraphOp,
  kMaxOutputs,
  kTileSide,
  kWorkgroupSize,
  packStruct,
  structSize,
} from './layout.ts';
import { BufferSet, kCompute, NamedBindings, ShaderVariants } from './passKit.ts';

/** Upper bound on the scratch buffer, whatever the device allows. */
const kScratchBudgetBytes = 256 * 2 ** 20;
/** Multiply-adds one dispatch may do. */
const kMaxMacsPerDispatch = 2 ** 32;
/** Units of an operation one invocation computes, about (the dispatch's rows split them evenly). */
const kUnitsPerInvocation = 32;
/** The kernel of each kind, in kKinds' order. */
const kEntryPoints = [
  'opDenseStep',
  'opConvStep',
  'opScaleStep',
  'opCopyStep',
  'opAddStep',
  'opAvgPoolStep',
  'opPadStep',
  'opReluStep',
  'opMaxPoolStep',
];

interface GraphPipelines extends Pipelines {
  readonly kinds: readonly GPUComputePipeline[];
}

type Binding = 'frame' | 'op' | 'chunk' | 'weights' | 'centre' | 'scratch' | 'accum' | 'fields' | 'counters';

interface GraphBuffers {
  readonly graph: Graph;
  readonly buffers: BufferSet;
  readonly weights: GPUBuffer;
  readonly centre: GPUBuffer;
  readonly ops: GPUBuffer;
  readonly gpuOps: readonly GpuOp[];
  /** For each stage shown k (index k - 1): the GPU operations that run (up to the stage's own). */
  readonly opsThroughStage: readonly number[];
  /** Units of scratch (each a vec4 a pixel). */
  readonly arena: number;
  readonly centreOffsets: readonly number[];
  readonly stages: number;
  readonly outputSlot: number;
}

interface SizeBuffers {
  readonly buffers: BufferSet;
  readonly pixels: number;
  readonly chunkPixels: number;
  readonly scratch: GPUBuffer;
  readonly accum: GPUBuffer;
  chunks: GPUBuffer;
  readonly fields: GPUBuffer;
  readonly counters: GPUBuffer;
  readonly bindGroup: GPUBindGroup;
}

export class GraphPass implements BrutePass {
  private readonly frame: GPUBuffer;
  private readonly slot: number;
  private readonly bindings: NamedBindings<Binding>;
  private readonly variants: ShaderVariants<GraphPipelines>;
  private graphBuffers: GraphBuffers | null = null;
  private sizeBuffers: SizeBuffers | null = null;

  constructor(private readonly device: GPUDevice) {
    this.slot = Math.max(device.limits.minUniformBufferOffsetAlignment, 256);
    this.frame = createUniform(device, 'GraphPass.frame', kGraphFrame);
    this.bindings = new NamedBindings<Binding>(device, 'GraphPass', graphWgsl, {
      frame: kCompute.uniform(false, structSize(kGraphFrame)),
      op: kCompute.uniform(true, structSize(kGraphOp)),
      chunk: kCompute.uniform(true, structSize(kChunk)),
      weights: kCompute.read(),
      centre: kCompute.read(),
      scratch: kCompute.write(),
      accum: kCompute.write(),
      fields: kCompute.write(),
      counters: kCompute.write(),
    });
    const layout = device.createPipelineLayout({
      label: 'GraphPass.pipelineLayout',
      bindGroupLayouts: [this.bindings.layout],
    });
    // Synchronous creation, as FieldsPass (Dawn for Node aborts on the asynchronous one on SwiftShader).
    this.variants = new ShaderVariants(
      device,
      'graph.wgsl',
      [commonWgsl, hashWgsl, statisticsWgsl, graphOpsWgsl, graphWgsl],
      // Synchronous creation, as FieldsPass (Dawn for Node aborts on the asynchronous one on SwiftShader). A kernel per
      // kind of operation: one kernel for every kind (a switch) ran about 20 times slower on SwiftShader.
      (module): GraphPipelines => {
        const make = (entryPoint: string): GPUComputePipeline =>
          device.createComputePipeline({ label: `GraphPass.${entryPoint}`, layout, compute: { module, entryPoint } });
        const kinds = kEntryPoints.map(make);
        return { step: kinds[0] as GPUComputePipeline, finish: make('finish'), kinds };
      },
    );
  }

  ready(request: FieldsRequest): boolean {
    return this.variants.ready(this.variant(request));
  }

  private variant(request: FieldsRequest): { OUTPUT: boolean; DECISION: boolean } {
    const { OUTPUT, DECISION } = variantOf(request);
    return { OUTPUT, DECISION };
  }

  /** Checks the graph fits this device (NetTooLargeError otherwise) and uploads it. */
  setGraph(graph: Graph): void {
    const lowered = lowerGraph(graph);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (lowered.weights.byteLength > limit) {
      throw new NetTooLargeError(
        `the network has ${(lowered.weights.byteLength / 2 ** 20).toFixed(0)} MiB of weights; this GPU binds at most ${(limit / 2 ** 20).toFixed(0)} MiB in one buffer`,
      );
    }
    if (lowered.arena * 16 * kWorkgroupSize > Math.min(limit, kScratchBudgetBytes)) {
      throw new NetTooLargeError(
        `the network's live tensors (${lowered.arena} values a pixel) do not fit this GPU's scratch memory`,
      );
    }
    const units = tensorSize(graph, graph.output);
    this.graphBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.sizeBuffers = null;
    const buffers = new BufferSet(this.device, 'GraphPass');
    const ops = new Uint32Array((this.slot / 4) * Math.max(1, lowered.gpuOps.length));
    lowered.gpuOps.forEach((op, i) => {
      ops.set(packStruct(kGraphOp, op.values), (i * this.slot) / 4);
    });
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    const centreSize = (lowered.centreOffsets.at(-1) ?? 0) + units;
    this.graphBuffers = {
      graph,
      buffers,
      weights: buffers.make('weights', lowered.weights.byteLength, storage, lowered.weights),
      centre: buffers.make('centre', centreSize * 4, storage),
      ops: buffers.make('ops', ops.byteLength, GPUBufferUsage.UNIFORM, ops),
      gpuOps: lowered.gpuOps,
      opsThroughStage: lowered.opsThroughStage,
      arena: lowered.arena,
      centreOffsets: lowered.centreOffsets,
      stages: stagesOf(graph).length,
      outputSlot: lowered.outputSlot,
    };
  }

  async begin(request: FieldsRequest, target: FieldsTarget): Promise<BruteFrame> {
    const gb = this.graphBuffers;
    if (!gb) throw new GpuError('GraphPass.begin before setGraph');
    if (variantOf(request).THEOREM) throw new GpuError('the theorem mode applies to MLPs only');
    const pipelines = await this.variants.get(this.variant(request));
    if (this.graphBuffers !== gb) throw new GpuError('GraphPass.begin: the network changed while its shader compiled');
    const sb = this.ensureSize(gb, request.size, target);
    const shown = Math.max(1, Math.min(gb.stages, Math.round(request.layersShown)));
    const pass = new GraphForward(gb.graph, 0);
    pass.run([request.view.cx, request.view.cy]);
    const centre = new Float32Array((gb.centreOffsets.at(-1) ?? 0) + tensorSize(gb.graph, gb.graph.output));
    pass.tensors.forEach((t, i) => {
      centre.set(t.value, gb.centreOffsets[i] ?? 0);
    });
    this.device.queue.writeBuffer(gb.centre, 0, centre);
    const encoder = this.device.createCommandEncoder({ label: 'GraphPass.begin' });
    encoder.clearBuffer(sb.accum);
    this.device.queue.submit([encoder.finish()]);
    const fullSize = request.fullSize ?? request.size;
    const [ox, oy] = request.origin ?? [0, 0];
    const units = tensorSize(gb.graph, gb.graph.output);
    const values = {
      width: request.size.width,
      height: request.size.height,
      stagesShown: shown,
      scratchStride: sb.chunkPixels,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
      pixelSize: pixelSize(request.view, fullSize),
      stride: 1,
      gridWidth: request.size.width,
      coarse: 0,
      tilesX: Math.ceil(request.size.width / kTileSide),
      outputUnit: requestUnit(request, units),
      outputSlot: gb.outputSlot,
      outputCentre: gb.centreOffsets[gb.graph.output] ?? 0,
      outputUnits: Math.min(units, kMaxOutputs),
      accumWords: 2 + gb.stages,
    };
    const layersRun = request.computeOutput ? gb.gpuOps.length : (gb.opsThroughStage[shown - 1] ?? gb.gpuOps.length);
    return {
      pipelines,
      values,
      layersRun,
      layerMacs: gb.gpuOps.map((op) => op.macs),
      layerWidths: gb.gpuOps.map((op) => op.units),
      maxChunkPixels: sb.chunkPixels,
      chunkPixels: sb.chunkPixels,
      chunks: 0,
      gridPixels: 0,
      partNeurons: Number.POSITIVE_INFINITY,
    };
  }

  setLevel(frame: BruteFrame, stride: number, coarse: number, chunkPixels: number, partNeurons: number): number {
    if (!this.sizeBuffers) throw new GpuError('GraphPass.setLevel before begin');
    const gridWidth = Math.ceil((frame.values.width ?? 1) / stride);
    const gridPixels = gridWidth * Math.ceil((frame.values.height ?? 1) / stride);
    const wanted = Math.floor(chunkPixels / kWorkgroupSize) * kWorkgroupSize;
    const chunk = Math.max(kWorkgroupSize, Math.min(frame.maxChunkPixels, wanted));
    const chunks = Math.ceil(gridPixels / chunk);
    const maxUnits = Math.min(this.device.limits.maxComputeWorkgroupsPerDimension, Math.max(...frame.layerWidths));
    const part = Math.max(1, Math.min(maxUnits, Math.floor(partNeurons)));
    Object.assign(frame.values, { stride, gridWidth, coarse, scratchStride: chunk });
    this.device.queue.writeBuffer(this.frame, 0, packStruct(kGraphFrame, frame.values));
    Object.assign(frame, { chunkPixels: chunk, chunks, gridPixels, partNeurons: part });
    return chunks;
  }

  parts(frame: BruteFrame, l: number): number {
    return l >= frame.layersRun ? 1 : Math.ceil((frame.layerWidths[l] ?? 0) / frame.partNeurons);
  }

  dispatchMacs(frame: BruteFrame, c: number, l: number, p: number): number {
    const pixels = Math.min(frame.chunkPixels, frame.gridPixels - c * frame.chunkPixels);
    const width = frame.layerWidths[l] ?? 0;
    const units = Math.max(0, Math.min(width, (p + 1) * frame.partNeurons) - p * frame.partNeurons);
    return width === 0 ? 0 : pixels * (frame.layerMacs[l] ?? 0) * (units / width);
  }

  writeDispatches(frame: BruteFrame, pairs: readonly (readonly [number, number])[]): void {
    const sb = this.sizeBuffers;
    const gb = this.graphBuffers;
    if (!sb || !gb) throw new GpuError('GraphPass.writeDispatches before begin');
    const words = new Uint32Array((Math.max(1, pairs.length) * this.slot) / 4);
    pairs.forEach(([c, p], i) => {
      const values = {
        pixelBase: c * frame.chunkPixels,
        pixelCount: Math.min(frame.chunkPixels, frame.gridPixels - c * frame.chunkPixels),
        neuronBegin: p * frame.partNeurons,
        neuronEnd: Math.min(2 ** 32 - 1, (p + 1) * frame.partNeurons),
      };
      words.set(packStruct(kChunk, values), (i * this.slot) / 4);
    });
    if (sb.chunks.size < words.byteLength) {
      sb.chunks = sb.buffers.make('chunks', 2 * words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      this.sizeBuffers = { ...sb, bindGroup: this.bindGroup(gb, sb, sb) };
    }
    this.device.queue.writeBuffer(sb.chunks, 0, words);
  }

  encodeDispatch(encoder: GPUCommandEncoder, frame: BruteFrame, slot: number, c: number, l: number): void {
    const sb = this.sizeBuffers;
    if (!sb) throw new GpuError('GraphPass.encodeDispatch before begin');
    const pixels = Math.min(frame.chunkPixels, frame.gridPixels - c * frame.chunkPixels);
    const finish = l === frame.layersRun;
    const pass = encoder.beginComputePass({ label: 'GraphPass.pass' });
    const kind = this.graphBuffers?.gpuOps[l]?.values.kind ?? 0;
    const kernel = (frame.pipelines as GraphPipelines).kinds[kind] ?? frame.pipelines.step;
    pass.setPipeline(finish ? frame.pipelines.finish : kernel);
    pass.setBindGroup(0, sb.bindGroup, [(finish ? 0 : l) * this.slot, slot * this.slot]);
    // Rows of the dispatch: each invocation computes about kUnitsPerInvocation of the part's units.
    const units = finish ? 1 : Math.min(frame.partNeurons, frame.layerWidths[l] ?? 1);
    pass.dispatchWorkgroups(Math.ceil(pixels / kWorkgroupSize), Math.max(1, Math.ceil(units / kUnitsPerInvocation)));
    pass.end();
  }

  private ensureSize(gb: GraphBuffers, size: ImageSize, target: FieldsTarget): SizeBuffers {
    const pixels = size.width * size.height;
    const cached = this.sizeBuffers;
    if (cached?.pixels === pixels) {
      if (cached.fields === target.fields && cached.counters === target.counters) return cached;
      this.sizeBuffers = { ...cached, ...target, bindGroup: this.bindGroup(gb, cached, target) };
      return this.sizeBuffers;
    }
    cached?.buffers.destroy();
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const roundDown = (n: number): number => Math.floor(n / kWorkgroupSize) * kWorkgroupSize;
    const byScratch = roundDown(Math.min(limit, kScratchBudgetBytes) / (Math.max(1, gb.arena) * 16));
    const macs = Math.max(1, ...gb.gpuOps.map((op) => op.macs));
    const byCost = roundDown(kMaxMacsPerDispatch / macs);
    const byGroups = roundDown(this.device.limits.maxComputeWorkgroupsPerDimension * kWorkgroupSize);
    const all = Math.ceil(pixels / kWorkgroupSize) * kWorkgroupSize;
    const chunkPixels = Math.max(kWorkgroupSize, Math.min(byScratch, byCost, byGroups, all));
    const buffers = new BufferSet(this.device, 'GraphPass');
    const scratch = buffers.make('scratch', chunkPixels * Math.max(1, gb.arena) * 16, GPUBufferUsage.STORAGE);
    const accum = buffers.make(
      'accum',
      chunkPixels * (2 + gb.stages) * 4,
      GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    );
    const chunks = buffers.make('chunks', this.slot * 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const sized = { buffers, pixels, chunkPixels, scratch, accum, chunks };
    this.sizeBuffers = { ...sized, ...target, bindGroup: this.bindGroup(gb, sized, target) };
    return this.sizeBuffers;
  }

  private bindGroup(
    gb: GraphBuffers,
    sized: Pick<SizeBuffers, 'scratch' | 'accum' | 'chunks'>,
    target: Pick<FieldsTarget, 'fields' | 'counters'>,
  ): GPUBindGroup {
    return this.bindings.group('bindGroup', {
      frame: { buffer: this.frame },
      op: { buffer: gb.ops, size: structSize(kGraphOp) },
      chunk: { buffer: sized.chunks, size: structSize(kChunk) },
      weights: { buffer: gb.weights },
      centre: { buffer: gb.centre },
      scratch: { buffer: sized.scratch },
      accum: { buffer: sized.accum },
      fields: { buffer: target.fields },
      counters: { buffer: target.counters },
    });
  }

  destroy(): void {
    this.graphBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.frame.destroy();
  }
}
