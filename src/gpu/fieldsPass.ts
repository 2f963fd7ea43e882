/**
 * The brute-force fields pass (shaders/fields.wgsl): net + view -> per-pixel pattern hash, distance, nearest layer,
 * output (or in decision mode the class), and in theorem mode the integrand of the main formula; one full network
 * evaluation per pixel. The layout is built once; each shader variant (OUTPUT, DECISION, THEOREM) is compiled on first
 * use; buffers are rebuilt only when the net or the image size changes, and the view costs one float64 forward pass
 * at its centre and two uploads.
 * The renderer owns the fields, stats and theorem buffers it writes; this pass owns its net uploads and scratch.
 */
import commonWgsl from '../../shaders/common.wgsl?raw';
import fieldsWgsl from '../../shaders/fields.wgsl?raw';
import hashWgsl from '../../shaders/hash.wgsl?raw';
import perturbationWgsl from '../../shaders/perturbation.wgsl?raw';
import statisticsWgsl from '../../shaders/statistics.wgsl?raw';
import type { Net } from '../model/net.ts';
import { neuronBases, neuronCount, outputCount, outputUnit } from '../model/net.ts';
import { foldFirstLayer, type ImageSize, pixelSize } from '../model/view.ts';
import { GpuError } from './device.ts';
import {
  centreValues,
  type FieldsRequest,
  type FieldsTarget,
  NetTooLargeError,
  requestUnit,
  theoremValues,
  variantOf,
} from './fieldsRequest.ts';
import {
  createUniform,
  kChunk,
  kFrame,
  kLayerStep,
  kNeuronBlock,
  kTileSide,
  kWorkgroupSize,
  packStruct,
  structSize,
} from './layout.ts';
import { BufferSet, kCompute, NamedBindings, ShaderVariants } from './passKit.ts';

/** Multiply-adds one dispatch may do: small enough that no single dispatch runs for long on a real GPU. */
const kMaxMacsPerDispatch = 2 ** 32;
/** Upper bound on the scratch buffers (two of them), whatever the device allows. */
const kScratchBudgetBytes = 256 * 2 ** 20;

type Binding =
  | 'frame'
  | 'step'
  | 'chunk'
  | 'weights'
  | 'centre'
  | 'scratchIn'
  | 'scratchOut'
  | 'fields'
  | 'counters'
  | 'theorem';

/** A brute-force pass's two kernels: a step of the network (a layer, an operation) and the finish step. */
export interface Pipelines {
  readonly step: GPUComputePipeline;
  readonly finish: GPUComputePipeline;
}

/**
 * A brute-force pass as fieldsJob.ts drives it: begin a frame, then per stride setLevel, and the dispatches of every
 * (chunk, step, part) in order, the finish step last (step = layersRun). FieldsPass (an MLP's dense layers) and
 * GraphPass (a graph's operations) are its two kinds.
 */
export interface BrutePass {
  ready(request: FieldsRequest): boolean;
  begin(request: FieldsRequest, target: FieldsTarget): Promise<BruteFrame>;
  setLevel(frame: BruteFrame, stride: number, coarse: number, chunkPixels: number, partNeurons: number): number;
  parts(frame: BruteFrame, l: number): number;
  dispatchMacs(frame: BruteFrame, c: number, l: number, p: number): number;
  writeDispatches(frame: BruteFrame, pairs: readonly (readonly [number, number])[]): void;
  encodeDispatch(encoder: GPUCommandEncoder, frame: BruteFrame, slot: number, c: number, l: number): void;
}

interface NetBuffers {
  readonly net: Net;
  readonly buffers: BufferSet;
  readonly weights: GPUBuffer;
  /** z(c) for every neuron and output unit, then z(c) - b and 1 / sigma_b for every neuron (theorem mode). */
  readonly centre: GPUBuffer;
  /** One LayerStep a slot (dynamic offsets): hidden layers, then the output. */
  readonly steps: GPUBuffer;
  readonly maxWidth: number;
  readonly macsPerPixel: number;
}

interface SizeBuffers {
  readonly buffers: BufferSet;
  readonly pixels: number;
  /** The most pixels a chunk may have (scratch memory, and the cost of one dispatch). */
  readonly chunkPixels: number;
  readonly scratch: readonly [GPUBuffer, GPUBuffer];
  /** One Chunk a slot (dynamic offsets); grown when a level has more chunks. */
  chunks: GPUBuffer;
  /** The buffers the bind groups write. */
  readonly fields: GPUBuffer;
  readonly theorem: GPUBuffer;
  readonly counters: GPUBuffer;
  /** By layer parity: even layers read scratch 0 and write scratch 1, odd layers the other way. */
  readonly bindGroups: { readonly even: GPUBindGroup; readonly odd: GPUBindGroup };
}

const kParts = [commonWgsl, hashWgsl, perturbationWgsl, statisticsWgsl, fieldsWgsl];

/** A frame being computed: its shader variant, its uniform's values, and the current level's chunks. */
export interface BruteFrame {
  readonly pipelines: Pipelines;
  readonly values: Record<string, number>;
  /** Hidden layers run: all of them with the output, else the layers shown. */
  readonly layersRun: number;
  /** Multiply-adds a pixel of each hidden layer (with tangents), and each layer's neurons. */
  readonly layerMacs: readonly number[];
  readonly layerWidths: readonly number[];
  readonly maxChunkPixels: number;
  chunkPixels: number;
  chunks: number;
  gridPixels: number;
  /** Neurons of a layer a dispatch computes (a wide layer takes several). */
  partNeurons: number;
}

export class FieldsPass implements BrutePass {
  private readonly frame: GPUBuffer;
  /** Dynamic offsets must be multiples of this. */
  private readonly slot: number;
  private readonly bindings: NamedBindings<Binding>;
  private readonly variants: ShaderVariants<Pipelines>;
  private netBuffers: NetBuffers | null = null;
  private sizeBuffers: SizeBuffers | null = null;

  constructor(private readonly device: GPUDevice) {
    this.slot = Math.max(device.limits.minUniformBufferOffsetAlignment, 256);
    this.frame = createUniform(device, 'FieldsPass.frame', kFrame);
    this.bindings = new NamedBindings<Binding>(device, 'FieldsPass', fieldsWgsl, {
      frame: kCompute.uniform(false, structSize(kFrame)),
      step: kCompute.uniform(true, structSize(kLayerStep)),
      chunk: kCompute.uniform(true, structSize(kChunk)),
      weights: kCompute.read(),
      centre: kCompute.read(),
      scratchIn: kCompute.read(),
      scratchOut: kCompute.write(),
      fields: kCompute.write(),
      counters: kCompute.write(),
      theorem: kCompute.write(),
    });
    const layout = device.createPipelineLayout({
      label: 'FieldsPass.pipelineLayout',
      bindGroupLayouts: [this.bindings.layout],
    });
    // Synchronous creation: Dawn for Node aborts on createComputePipelineAsync of this shader on SwiftShader.
    this.variants = new ShaderVariants(device, 'fields.wgsl', kParts, (module) => {
      const make = (entryPoint: string): GPUComputePipeline =>
        device.createComputePipeline({ label: `FieldsPass.${entryPoint}`, layout, compute: { module, entryPoint } });
      return { step: make('hiddenLayer'), finish: make('finish') };
    });
  }

  /** Whether the shader variant of `request` is compiled (a first grid can wait for it, or be the CPU's). */
  ready(request: FieldsRequest): boolean {
    return this.variants.ready(variantOf(request));
  }

  /** Checks that a net fits this device; throws NetTooLargeError naming the limit otherwise. */
  private checkNet(net: Net): void {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const outputWeights = outputCount(net) * (net.hidden.at(-1)?.outDim ?? 0);
    const weightBytes = 4 * (net.hidden.reduce((s, l) => s + l.weight.length, 0) + outputWeights);
    if (weightBytes > limit) {
      throw new NetTooLargeError(
        `the net has ${(weightBytes / 2 ** 20).toFixed(0)} MiB of weights; this GPU binds at most ` +
          `${(limit / 2 ** 20).toFixed(0)} MiB in one buffer`,
      );
    }
    const maxWidth = Math.max(...net.hidden.map((l) => l.outDim));
    if (maxWidth * 16 * kWorkgroupSize > Math.min(limit, kScratchBudgetBytes)) {
      throw new NetTooLargeError(`a layer of ${maxWidth} neurons is wider than this GPU's scratch memory allows`);
    }
  }

  setNet(net: Net): void {
    this.checkNet(net);
    this.netBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.sizeBuffers = null;
    const buffers = new BufferSet(this.device, 'FieldsPass');
    // Every output unit: the request chooses the one shown (frame.outputUnit), or the decision takes them all.
    const layers = [...net.hidden, net.output ?? outputUnit(net)];
    const offsets: number[] = [];
    let total = 0;
    for (const layer of layers) {
      offsets.push(total);
      total += layer.inDim * layer.outDim;
    }
    const weights = new Float32Array(total);
    // Layer 0 is rewritten per view (folded with the view map).
    layers.forEach((layer, l) => {
      if (l > 0) weights.set(layer.weight, offsets[l]);
    });
    const bases = [...neuronBases(net), neuronCount(net)];
    const steps = new Uint32Array((this.slot / 4) * layers.length);
    layers.forEach((layer, l) => {
      const values = { index: l, inDim: layer.inDim, outDim: layer.outDim, weightOffset: offsets[l] ?? 0 };
      steps.set(packStruct(kLayerStep, { ...values, neuronBase: bases[l] ?? 0 }), (l * this.slot) / 4);
    });
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST;
    this.netBuffers = {
      net,
      buffers,
      weights: buffers.make('weights', weights.byteLength, storage, weights),
      centre: buffers.make('centre', (3 * neuronCount(net) + outputCount(net)) * 4, storage),
      steps: buffers.make('steps', steps.byteLength, GPUBufferUsage.UNIFORM, steps),
      maxWidth: Math.max(...net.hidden.map((l) => l.outDim)),
      macsPerPixel: Math.max(...net.hidden.map((l) => 3 * l.inDim * l.outDim)),
    };
  }

  /**
   * Uploads what a frame needs (the view's first layer and centre values) and compiles its shader variant on first
   * use. Then, for each stride, `setLevel`, and `encodeDispatch` for each (chunk, layer) of it in order.
   */
  async begin(request: FieldsRequest, target: FieldsTarget): Promise<BruteFrame> {
    const nb = this.netBuffers;
    if (!nb) throw new GpuError('FieldsPass.begin before setNet');
    const pipelines = await this.variants.get(variantOf(request));
    // A new net while the shader compiled: its buffers replaced these, and this frame's computation was given up.
    if (this.netBuffers !== nb) throw new GpuError('FieldsPass.begin: the net changed while its shader compiled');
    const sb = this.ensureSize(nb, request.size, target);
    const L = nb.net.hidden.length;
    const shown = Math.max(1, Math.min(L, Math.round(request.layersShown)));
    this.uploadView(nb, request);
    const fullSize = request.fullSize ?? request.size;
    const [ox, oy] = request.origin ?? [0, 0];
    const neurons = neuronCount(nb.net);
    const units = outputCount(nb.net);
    const values = {
      width: request.size.width,
      height: request.size.height,
      layersShown: shown,
      scratchStride: sb.chunkPixels,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
      gradientScale: 1 / pixelSize(request.view, fullSize),
      withoutBiasBase: neurons + units,
      inverseSigmaBase: 2 * neurons + units,
      stride: 1,
      gridWidth: request.size.width,
      coarse: 0,
      tilesX: Math.ceil(request.size.width / kTileSide),
      outputUnit: requestUnit(request, units),
    };
    return {
      pipelines,
      values,
      layersRun: request.computeOutput ? L : shown,
      layerMacs: nb.net.hidden.map((l) => 3 * l.inDim * l.outDim),
      layerWidths: nb.net.hidden.map((l) => l.outDim),
      maxChunkPixels: sb.chunkPixels,
      chunkPixels: sb.chunkPixels,
      chunks: 0,
      gridPixels: 0,
      partNeurons: Number.POSITIVE_INFINITY,
    };
  }

  /**
   * Sets the grid of the next dispatches: the pixels at multiples of `stride` (those at multiples of `coarse` are
   * done already; 0: none), in chunks of `chunkPixels` (at most the scratch holds), each layer in parts of
   * `partNeurons` neurons (a multiple of kNeuronBlock; Infinity: whole layers). Returns the number of chunks.
   */
  setLevel(frame: BruteFrame, stride: number, coarse: number, chunkPixels: number, partNeurons: number): number {
    if (!this.sizeBuffers) throw new GpuError('FieldsPass.setLevel before begin');
    const gridWidth = Math.ceil((frame.values.width ?? 1) / stride);
    const gridPixels = gridWidth * Math.ceil((frame.values.height ?? 1) / stride);
    const wanted = Math.floor(chunkPixels / kWorkgroupSize) * kWorkgroupSize;
    const chunk = Math.max(kWorkgroupSize, Math.min(frame.maxChunkPixels, wanted));
    const chunks = Math.ceil(gridPixels / chunk);
    const maxWidth = Math.max(...frame.layerWidths);
    const part = Math.min(maxWidth, Math.max(kNeuronBlock, Math.floor(partNeurons / kNeuronBlock) * kNeuronBlock));
    Object.assign(frame.values, { stride, gridWidth, coarse, scratchStride: chunk });
    this.device.queue.writeBuffer(this.frame, 0, packStruct(kFrame, frame.values));
    Object.assign(frame, { chunkPixels: chunk, chunks, gridPixels, partNeurons: part });
    return chunks;
  }

  /** Parts of layer l (the finish step, l = layersRun, is one). */
  parts(frame: BruteFrame, l: number): number {
    return l >= frame.layersRun ? 1 : Math.ceil((frame.layerWidths[l] ?? 0) / frame.partNeurons);
  }

  /** Multiply-adds of dispatch (chunk c, layer l, part p) of the current level (the finish step: cheap, 0). */
  dispatchMacs(frame: BruteFrame, c: number, l: number, p: number): number {
    const pixels = Math.min(frame.chunkPixels, frame.gridPixels - c * frame.chunkPixels);
    const width = frame.layerWidths[l] ?? 0;
    const neurons = Math.max(0, Math.min(width, (p + 1) * frame.partNeurons) - p * frame.partNeurons);
    return width === 0 ? 0 : (pixels * (frame.layerMacs[l] ?? 0) * neurons) / width;
  }

  /**
   * Writes the uniform slots of the next dispatches' (chunk, part) pairs, slot i for `pairs[i]`; encodeDispatch then
   * names the slot.
   */
  writeDispatches(frame: BruteFrame, pairs: readonly (readonly [number, number])[]): void {
    const sb = this.sizeBuffers;
    const nb = this.netBuffers;
    if (!sb || !nb) throw new GpuError('FieldsPass.writeDispatches before begin');
    const words = new Uint32Array((pairs.length * this.slot) / 4);
    pairs.forEach(([c, p], i) => {
      const values = {
        pixelBase: c * frame.chunkPixels,
        pixelCount: Math.min(frame.chunkPixels, frame.gridPixels - c * frame.chunkPixels),
        neuronBegin: p * frame.partNeurons,
        neuronEnd: (p + 1) * frame.partNeurons,
      };
      words.set(packStruct(kChunk, values), (i * this.slot) / 4);
    });
    if (sb.chunks.size < words.byteLength) {
      // Grown (twice what is needed); the old one goes with the set, and the bind groups with it.
      sb.chunks = sb.buffers.make('chunks', 2 * words.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      this.sizeBuffers = { ...sb, bindGroups: this.bindGroups(nb, sb, sb) };
    }
    this.device.queue.writeBuffer(sb.chunks, 0, words);
  }

  /**
   * Records layer l (l = layersRun: the output and the hash finalizer) of chunk c of the current level, with the
   * pixels and neurons of uniform slot `slot` (writeDispatches).
   */
  encodeDispatch(encoder: GPUCommandEncoder, frame: BruteFrame, slot: number, c: number, l: number): void {
    const sb = this.sizeBuffers;
    if (!sb) throw new GpuError('FieldsPass.encodeDispatch before begin');
    const groups = Math.ceil(Math.min(frame.chunkPixels, frame.gridPixels - c * frame.chunkPixels) / kWorkgroupSize);
    const finish = l === frame.layersRun;
    const pass = encoder.beginComputePass({ label: 'FieldsPass.pass' });
    pass.setPipeline(finish ? frame.pipelines.finish : frame.pipelines.step);
    // Layer l reads scratch l % 2; the finish step reads the last layer's output, from the output's step slot.
    const bindGroup = l % 2 === 0 ? sb.bindGroups.even : sb.bindGroups.odd;
    const stepSlot = finish ? (this.netBuffers?.net.hidden.length ?? 0) : l;
    pass.setBindGroup(0, bindGroup, [stepSlot * this.slot, slot * this.slot]);
    pass.dispatchWorkgroups(groups);
    pass.end();
  }

  /** The folded first layer and the float64 pre-activations at the view centre (and theorem mode's numbers). */
  private uploadView(nb: NetBuffers, request: FieldsRequest): void {
    const fullSize = request.fullSize ?? request.size;
    const folded = foldFirstLayer(nb.net, request.view, fullSize);
    this.device.queue.writeBuffer(nb.weights, 0, Float32Array.from(folded));
    this.device.queue.writeBuffer(nb.centre, 0, centreValues(nb.net, request.view));
    if (request.theoremSigmaB) {
      const exponents = request.neuronExponents ?? new Int32Array(neuronCount(nb.net));
      const values = theoremValues(nb.net, request.view, exponents, request.theoremSigmaB);
      this.device.queue.writeBuffer(nb.centre, (neuronCount(nb.net) + outputCount(nb.net)) * 4, values);
    }
  }

  private ensureSize(nb: NetBuffers, size: ImageSize, target: FieldsTarget): SizeBuffers {
    const pixels = size.width * size.height;
    const cached = this.sizeBuffers;
    if (cached?.pixels === pixels) {
      const same = cached.fields === target.fields && cached.theorem === target.theorem;
      if (same && cached.counters === target.counters) return cached;
      // The renderer alternates between two fields buffers: keep the scratch, bind the other buffer.
      this.sizeBuffers = { ...cached, ...target, bindGroups: this.bindGroups(nb, cached, target) };
      return this.sizeBuffers;
    }
    cached?.buffers.destroy();
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const roundDown = (n: number): number => Math.floor(n / kWorkgroupSize) * kWorkgroupSize;
    const byScratch = roundDown(Math.min(limit, kScratchBudgetBytes) / (nb.maxWidth * 16));
    const byCost = roundDown(kMaxMacsPerDispatch / nb.macsPerPixel);
    const byGroups = roundDown(this.device.limits.maxComputeWorkgroupsPerDimension * kWorkgroupSize);
    const all = Math.ceil(pixels / kWorkgroupSize) * kWorkgroupSize;
    const chunkPixels = Math.max(kWorkgroupSize, Math.min(byScratch, byCost, byGroups, all));
    const buffers = new BufferSet(this.device, 'FieldsPass');
    const scratchBytes = chunkPixels * nb.maxWidth * 16;
    const scratch = [0, 1].map((i) => buffers.make(`scratch${i}`, scratchBytes, GPUBufferUsage.STORAGE)) as [
      GPUBuffer,
      GPUBuffer,
    ];
    const chunks = buffers.make('chunks', this.slot * 16, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const sized = { buffers, pixels, chunkPixels, scratch, chunks };
    this.sizeBuffers = { ...sized, ...target, bindGroups: this.bindGroups(nb, sized, target) };
    return this.sizeBuffers;
  }

  private bindGroups(
    nb: NetBuffers,
    sized: Pick<SizeBuffers, 'scratch' | 'chunks'>,
    target: FieldsTarget,
  ): SizeBuffers['bindGroups'] {
    const [a, b] = sized.scratch;
    const group = (read: GPUBuffer, write: GPUBuffer, name: string): GPUBindGroup =>
      this.bindings.group(`bindGroup.${name}`, {
        frame: { buffer: this.frame },
        step: { buffer: nb.steps, size: structSize(kLayerStep) },
        chunk: { buffer: sized.chunks, size: structSize(kChunk) },
        weights: { buffer: nb.weights },
        centre: { buffer: nb.centre },
        scratchIn: { buffer: read },
        scratchOut: { buffer: write },
        fields: { buffer: target.fields },
        counters: { buffer: target.counters },
        theorem: { buffer: target.theorem },
      });
    return { even: group(a, b, 'even'), odd: group(b, a, 'odd') };
  }

  destroy(): void {
    this.netBuffers?.buffers.destroy();
    this.sizeBuffers?.buffers.destroy();
    this.frame.destroy();
  }
}
