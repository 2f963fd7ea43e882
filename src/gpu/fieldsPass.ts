/**
 * The fields pass (shaders/fields.wgsl): net + view -> per-pixel pattern hash, distance, nearest layer, output,
 * and in theorem mode the integrand of the main formula.
 * Pipelines and layouts are built once; buffers are rebuilt only when the net or the image size changes, and the
 * view costs one float64 forward pass at the view centre plus two small uploads.
 */
import commonWgsl from '../../shaders/common.wgsl?raw';
import fieldsWgsl from '../../shaders/fields.wgsl?raw';
import hashWgsl from '../../shaders/hash.wgsl?raw';
import perturbationWgsl from '../../shaders/perturbation.wgsl?raw';
import { scaleByPowerOfTwo } from '../model/balance.ts';
import type { Net } from '../model/net.ts';
import { neuronBases, neuronCount, outputUnit } from '../model/net.ts';
import { preActivations } from '../model/oracle.ts';
import { foldFirstLayer, type ImageSize, pixelSize, type View } from '../model/view.ts';
import { createCheckedModule, GpuError, withErrorScopes } from './device.ts';
import { createUniform, kChunk, kFrame, kLayerStep, kWorkgroupSize, packStruct, structSize } from './layout.ts';
import { buildShader } from './shaderSource.ts';

/** Multiply-adds one dispatch may do: small enough that no single dispatch runs for long on a real GPU. */
const kMaxMacsPerDispatch = 2 ** 32;
/** Upper bound on the scratch buffers (two of them), whatever the device allows. */
const kScratchBudgetBytes = 256 * 2 ** 20;

/** Every hidden pre-activation at the view centre (float64, then rounded), then the output: what both passes
 * propagate differences from. */
export function centreValues(net: Net, view: View): Float32Array<ArrayBuffer> {
  const centre = preActivations(net, view.cx, view.cy);
  const values = new Float32Array(neuronCount(net) + 1);
  let offset = 0;
  for (const z of centre.hidden) {
    values.set(z, offset);
    offset += z.length;
  }
  values[offset] = centre.output;
  return values;
}

export class NetTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetTooLargeError';
  }
}

/**
 * Theorem mode's per-neuron numbers: every hidden neuron's pre-activation less its own bias at the view centre,
 * z(c) - b (float64, then rounded), the argument of the bias density as z(x) - b = (z(c) - b) + dz; then every
 * neuron's 1 / sigma_b in the neuron's own scale (the net is balanced: neuron n's z is 2^e_n times the original's,
 * so its bias density has the standard deviation 2^e_n sigma_b), held within float32's range.
 */
function theoremValues(net: Net, view: View, exponents: Int32Array, sigmaB: number): Float32Array<ArrayBuffer> {
  const centre = preActivations(net, view.cx, view.cy);
  const neurons = neuronCount(net);
  const values = new Float32Array(2 * neurons);
  let offset = 0;
  centre.hidden.forEach((z, l) => {
    const bias = net.hidden[l]?.bias;
    values.set(
      z.map((v, n) => v - (bias?.[n] ?? 0)),
      offset,
    );
    offset += z.length;
  });
  for (let n = 0; n < neurons; n++) {
    const inverse = 1 / scaleByPowerOfTwo(sigmaB, exponents[n] ?? 0);
    values[neurons + n] = Math.min(Math.max(inverse, 1e-30), 1e30);
  }
  return values;
}

/** The buffers a fields pass writes: per-pixel records and frame statistics (kStatsWords). */
export interface FieldsTarget {
  readonly fields: GPUBuffer;
  readonly stats: GPUBuffer;
  /** Per-pixel f32 integrand of the main formula in input units (written by the brute-force pass in theorem mode). */
  readonly theorem: GPUBuffer;
}

export interface FieldsRequest {
  readonly view: View;
  readonly size: ImageSize;
  /** Hidden layers that make the pattern and the distance (1..L). */
  readonly layersShown: number;
  /** Also evaluate the network output (every layer runs). */
  readonly computeOutput: boolean;
  /** Pixel offset of this image inside a larger one (tiled renders); (0, 0) normally. */
  readonly origin?: readonly [number, number];
  /** Size of the larger image the view refers to; `size` normally. */
  readonly fullSize?: ImageSize;
  /**
   * Theorem mode: also accumulate the main formula's integrand over the first `layersShown` layers, with a Gaussian
   * bias density of this standard deviation. Only the brute-force pass computes it.
   */
  readonly theoremSigmaB?: number;
  /** Per hidden neuron: the net's z is 2^e times the original net's (src/model/balance.ts); the theorem needs it. */
  readonly neuronExponents?: Int32Array;
}

interface NetBuffers {
  readonly net: Net;
  readonly weights: GPUBuffer;
  readonly centre: GPUBuffer;
  readonly steps: GPUBuffer;
  /** Float offset of each layer's weights (hidden layers, then the output). */
  readonly weightOffsets: number[];
  readonly maxWidth: number;
  readonly macsPerPixel: number;
}

interface SizeBuffers {
  readonly pixels: number;
  readonly chunkPixels: number;
  /** The fields and theorem buffers the bind groups write (owned by the renderer). */
  readonly fields: GPUBuffer;
  readonly theorem: GPUBuffer;
  readonly scratch: readonly GPUBuffer[];
  readonly chunks: GPUBuffer;
  /** By layer parity: even layers read scratch 0 and write scratch 1, odd layers the other way. */
  readonly bindGroups: { readonly even: GPUBindGroup; readonly odd: GPUBindGroup };
}

/**
 * The brute-force fields pass: one full network evaluation per pixel. The renderer owns the fields and stats
 * buffers it writes; this pass owns its net uploads and scratch.
 */
export class FieldsPass {
  private readonly frame: GPUBuffer;
  private readonly slot: number;
  private netBuffers: NetBuffers | null = null;
  private sizeBuffers: SizeBuffers | null = null;

  private constructor(
    private readonly device: GPUDevice,
    private readonly layout: GPUBindGroupLayout,
    private readonly hiddenPipeline: GPUComputePipeline,
    private readonly finishPipeline: GPUComputePipeline,
  ) {
    this.slot = Math.max(device.limits.minUniformBufferOffsetAlignment, 256);
    this.frame = createUniform(device, 'FieldsPass.frame', kFrame);
  }

  static async create(device: GPUDevice): Promise<FieldsPass> {
    const module = await createCheckedModule(
      device,
      'fields.wgsl',
      buildShader([commonWgsl, hashWgsl, perturbationWgsl, fieldsWgsl]),
    );
    return withErrorScopes(device, 'creating the fields pipelines', () => {
      const uniform = (binding: number, dynamic: boolean, size: number): GPUBindGroupLayoutEntry => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: 'uniform', hasDynamicOffset: dynamic, minBindingSize: size },
      });
      const storage = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type },
      });
      const layout = device.createBindGroupLayout({
        label: 'FieldsPass.bindGroupLayout',
        entries: [
          uniform(0, false, structSize(kFrame)),
          uniform(1, true, structSize(kLayerStep)),
          uniform(2, true, structSize(kChunk)),
          storage(3, 'read-only-storage'),
          storage(4, 'read-only-storage'),
          storage(5, 'read-only-storage'),
          storage(6, 'storage'),
          storage(7, 'storage'),
          storage(8, 'storage'),
          storage(9, 'storage'),
        ],
      });
      const pipelineLayout = device.createPipelineLayout({
        label: 'FieldsPass.pipelineLayout',
        bindGroupLayouts: [layout],
      });
      // Synchronous creation: Dawn for Node aborts on createComputePipelineAsync of this shader on SwiftShader.
      const pipeline = (entryPoint: string): GPUComputePipeline =>
        device.createComputePipeline({
          label: `FieldsPass.${entryPoint}`,
          layout: pipelineLayout,
          compute: { module, entryPoint },
        });
      return new FieldsPass(device, layout, pipeline('hiddenLayer'), pipeline('finish'));
    });
  }

  /** Checks that a net fits this device; throws NetTooLargeError naming the limit otherwise. */
  private checkNet(net: Net): void {
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const weightBytes = 4 * (net.hidden.reduce((s, l) => s + l.weight.length, 0) + (net.hidden.at(-1)?.outDim ?? 0));
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
    this.destroyNet();
    const L = net.hidden.length;
    const layers = [...net.hidden, outputUnit(net)];
    const weightOffsets: number[] = [];
    let total = 0;
    for (const layer of layers) {
      weightOffsets.push(total);
      total += layer.inDim * layer.outDim;
    }
    const weights = this.device.createBuffer({
      label: 'FieldsPass.weights',
      size: total * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    const mapped = new Float32Array(weights.getMappedRange());
    layers.forEach((layer, l) => {
      // Layer 0 is rewritten per view (folded with the view map).
      if (l > 0) mapped.set(layer.weight, weightOffsets[l]);
    });
    weights.unmap();
    // z(c) for every neuron and the output, then z(c) - b and 1 / sigma_b for every neuron (theorem mode).
    const centre = this.device.createBuffer({
      label: 'FieldsPass.centre',
      size: (3 * neuronCount(net) + 1) * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    const steps = this.device.createBuffer({
      label: 'FieldsPass.steps',
      size: this.slot * (L + 1),
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    const bases = [...neuronBases(net), neuronCount(net)];
    layers.forEach((layer, l) => {
      const step = packStruct(kLayerStep, {
        index: l,
        inDim: layer.inDim,
        outDim: layer.outDim,
        weightOffset: weightOffsets[l] ?? 0,
        neuronBase: bases[l] ?? 0,
      });
      this.device.queue.writeBuffer(steps, l * this.slot, step);
    });
    const maxWidth = Math.max(...net.hidden.map((l) => l.outDim));
    const macsPerPixel = Math.max(...net.hidden.map((l) => 3 * l.inDim * l.outDim));
    this.netBuffers = { net, weights, centre, steps, weightOffsets, maxWidth, macsPerPixel };
    this.destroySize();
  }

  /** Records the fields computation for `request` into `encoder`. */
  encode(encoder: GPUCommandEncoder, request: FieldsRequest, target: FieldsTarget): void {
    const nb = this.netBuffers;
    if (!nb) throw new GpuError('FieldsPass.encode before setNet');
    const sb = this.ensureSize(nb, request.size, target);
    const L = nb.net.hidden.length;
    const shown = Math.max(1, Math.min(L, Math.round(request.layersShown)));
    const layersRun = request.computeOutput ? L : shown;
    this.uploadView(nb, request);

    const fullSize = request.fullSize ?? request.size;
    const [ox, oy] = request.origin ?? [0, 0];
    const sigmaB = request.theoremSigmaB ?? 0;
    const neurons = neuronCount(nb.net);
    const frame = packStruct(kFrame, {
      width: request.size.width,
      height: request.size.height,
      layersShown: shown,
      computeOutput: request.computeOutput ? 1 : 0,
      scratchStride: sb.chunkPixels,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
      theorem: sigmaB > 0 ? 1 : 0,
      gradientScale: 1 / pixelSize(request.view, fullSize),
      withoutBiasBase: neurons + 1,
      inverseSigmaBase: 2 * neurons + 1,
    });
    this.device.queue.writeBuffer(this.frame, 0, frame);

    const pass = encoder.beginComputePass({ label: 'FieldsPass.pass' });
    for (let base = 0, c = 0; base < sb.pixels; base += sb.chunkPixels, c++) {
      const count = Math.min(sb.chunkPixels, sb.pixels - base);
      const groups = Math.ceil(count / kWorkgroupSize);
      pass.setPipeline(this.hiddenPipeline);
      for (let l = 0; l < layersRun; l++) {
        pass.setBindGroup(0, l % 2 === 0 ? sb.bindGroups.even : sb.bindGroups.odd, [l * this.slot, c * this.slot]);
        pass.dispatchWorkgroups(groups);
      }
      pass.setPipeline(this.finishPipeline);
      pass.setBindGroup(0, layersRun % 2 === 0 ? sb.bindGroups.even : sb.bindGroups.odd, [
        L * this.slot,
        c * this.slot,
      ]);
      pass.dispatchWorkgroups(groups);
    }
    pass.end();
  }

  /** The folded first layer and the float64 pre-activations at the view centre. */
  private uploadView(nb: NetBuffers, request: FieldsRequest): void {
    const fullSize = request.fullSize ?? request.size;
    const folded = foldFirstLayer(nb.net, request.view, fullSize);
    this.device.queue.writeBuffer(nb.weights, 0, Float32Array.from(folded));
    this.device.queue.writeBuffer(nb.centre, 0, centreValues(nb.net, request.view));
    if (request.theoremSigmaB) {
      const exponents = request.neuronExponents ?? new Int32Array(neuronCount(nb.net));
      const values = theoremValues(nb.net, request.view, exponents, request.theoremSigmaB);
      this.device.queue.writeBuffer(nb.centre, (neuronCount(nb.net) + 1) * 4, values);
    }
  }

  private ensureSize(nb: NetBuffers, size: ImageSize, target: FieldsTarget): SizeBuffers {
    const pixels = size.width * size.height;
    const cached = this.sizeBuffers;
    if (cached?.pixels === pixels) {
      if (cached.fields === target.fields && cached.theorem === target.theorem) return cached;
      // The renderer alternates between two fields buffers: keep the scratch, bind the other buffer.
      const bindGroups = this.bindGroups(nb, cached, target);
      this.sizeBuffers = { ...cached, fields: target.fields, theorem: target.theorem, bindGroups };
      return this.sizeBuffers;
    }
    this.destroySize();
    const limit = this.device.limits.maxStorageBufferBindingSize;
    const roundDown = (n: number): number => Math.floor(n / kWorkgroupSize) * kWorkgroupSize;
    const byScratch = roundDown(Math.min(limit, kScratchBudgetBytes) / (nb.maxWidth * 16));
    const byCost = roundDown(kMaxMacsPerDispatch / nb.macsPerPixel);
    const byGroups = roundDown(this.device.limits.maxComputeWorkgroupsPerDimension * kWorkgroupSize);
    const all = Math.ceil(pixels / kWorkgroupSize) * kWorkgroupSize;
    const chunkPixels = Math.max(kWorkgroupSize, Math.min(byScratch, byCost, byGroups, all));
    const storage = GPUBufferUsage.STORAGE;
    const scratchBytes = chunkPixels * nb.maxWidth * 16;
    const scratch = [0, 1].map((i) =>
      this.device.createBuffer({ label: `FieldsPass.scratch${i}`, size: scratchBytes, usage: storage }),
    );
    const chunkCount = Math.ceil(pixels / chunkPixels);
    const chunks = this.device.createBuffer({
      label: 'FieldsPass.chunks',
      size: chunkCount * this.slot,
      usage: GPUBufferUsage.UNIFORM,
      mappedAtCreation: true,
    });
    const chunkWords = new Uint32Array(chunks.getMappedRange());
    for (let c = 0; c < chunkCount; c++) {
      chunkWords[(c * this.slot) / 4] = c * chunkPixels;
      chunkWords[(c * this.slot) / 4 + 1] = Math.min(chunkPixels, pixels - c * chunkPixels);
    }
    chunks.unmap();
    const sized = { pixels, chunkPixels, scratch, chunks };
    const bindGroups = this.bindGroups(nb, sized, target);
    this.sizeBuffers = { ...sized, fields: target.fields, theorem: target.theorem, bindGroups };
    return this.sizeBuffers;
  }

  private bindGroups(
    nb: NetBuffers,
    sized: Pick<SizeBuffers, 'scratch' | 'chunks'>,
    target: FieldsTarget,
  ): SizeBuffers['bindGroups'] {
    const [a, b] = sized.scratch;
    if (!a || !b) throw new GpuError('scratch buffers missing');
    const bindGroup = (read: GPUBuffer, write: GPUBuffer, i: number): GPUBindGroup =>
      this.device.createBindGroup({
        label: `FieldsPass.bindGroup${i}`,
        layout: this.layout,
        entries: [
          { binding: 0, resource: { buffer: this.frame } },
          { binding: 1, resource: { buffer: nb.steps, size: structSize(kLayerStep) } },
          { binding: 2, resource: { buffer: sized.chunks, size: structSize(kChunk) } },
          { binding: 3, resource: { buffer: nb.weights } },
          { binding: 4, resource: { buffer: nb.centre } },
          { binding: 5, resource: { buffer: read } },
          { binding: 6, resource: { buffer: write } },
          { binding: 7, resource: { buffer: target.fields } },
          { binding: 8, resource: { buffer: target.stats } },
          { binding: 9, resource: { buffer: target.theorem } },
        ],
      });
    return { even: bindGroup(a, b, 0), odd: bindGroup(b, a, 1) };
  }

  private destroyNet(): void {
    if (!this.netBuffers) return;
    this.netBuffers.weights.destroy();
    this.netBuffers.centre.destroy();
    this.netBuffers.steps.destroy();
    this.netBuffers = null;
  }

  private destroySize(): void {
    if (!this.sizeBuffers) return;
    for (const s of this.sizeBuffers.scratch) s.destroy();
    this.sizeBuffers.chunks.destroy();
    this.sizeBuffers = null;
  }

  destroy(): void {
    this.destroyNet();
    this.destroySize();
    this.frame.destroy();
  }
}
