/**
 * The region-seeded fields pass (shaders/regions.wgsl): the same fields as the brute-force FieldsPass, labelling
 * 16 x 16 tiles region by region, one network evaluation per (region, tile) pair.
 */
import commonWgsl from '../../shaders/common.wgsl?raw';
import hashWgsl from '../../shaders/hash.wgsl?raw';
import perturbationWgsl from '../../shaders/perturbation.wgsl?raw';
import regionsWgsl from '../../shaders/regions.wgsl?raw';
import type { Layer, Net } from '../model/net.ts';
import { neuronBases, neuronCount, outputUnit } from '../model/net.ts';
import { foldFirstLayer } from '../model/view.ts';
import { createCheckedModule, GpuError, withErrorScopes } from './device.ts';
import { centreValues, type FieldsRequest, type FieldsTarget } from './fieldsPass.ts';
import { createUniform, kLayerInfo, kRegionsFrame, kTileChunk, kTileSide, packStruct, structSize } from './layout.ts';
import { buildShader } from './shaderSource.ts';

/** Scratch the tiles of one dispatch may use: it bounds the tiles per dispatch, not the image. */
const kScratchBudgetBytes = 128 * 2 ** 20;

interface NetBuffers {
  readonly net: Net;
  readonly layers: GPUBuffer;
  readonly weights: GPUBuffer;
  readonly centre: GPUBuffer;
  readonly maxWidth: number;
  readonly slotStride: number;
}

interface SizeBuffers {
  /** Tiles of the whole fields buffer. */
  readonly tiles: number;
  readonly tilesPerStep: number;
  readonly scratch: GPUBuffer;
  readonly tileIds: GPUBuffer;
  /** By fields buffer; `target` is the one `encodeStep` writes. */
  readonly bindGroups: Map<GPUBuffer, GPUBindGroup>;
  target: FieldsTarget;
}

export class RegionsPass {
  private readonly frame: GPUBuffer;
  private readonly step: GPUBuffer;
  private netBuffers: NetBuffers | null = null;
  private sizeBuffers: SizeBuffers | null = null;

  private constructor(
    private readonly device: GPUDevice,
    private readonly layout: GPUBindGroupLayout,
    private readonly pipeline: GPUComputePipeline,
  ) {
    this.step = createUniform(device, 'RegionsPass.step', kTileChunk);
    this.frame = createUniform(device, 'RegionsPass.frame', kRegionsFrame);
  }

  static async create(device: GPUDevice): Promise<RegionsPass> {
    const module = await createCheckedModule(
      device,
      'regions.wgsl',
      buildShader([commonWgsl, hashWgsl, perturbationWgsl, regionsWgsl]),
    );
    return withErrorScopes(device, 'creating the regions pipeline', () => {
      const buffer = (binding: number, type: GPUBufferBindingType): GPUBindGroupLayoutEntry => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type },
      });
      const layout = device.createBindGroupLayout({
        label: 'RegionsPass.bindGroupLayout',
        entries: [
          buffer(0, 'uniform'),
          buffer(1, 'uniform'),
          buffer(2, 'read-only-storage'),
          buffer(3, 'read-only-storage'),
          buffer(4, 'read-only-storage'),
          buffer(5, 'storage'),
          buffer(6, 'storage'),
          buffer(7, 'storage'),
          buffer(8, 'read-only-storage'),
        ],
      });
      const pipeline = device.createComputePipeline({
        label: 'RegionsPass.labelTile',
        layout: device.createPipelineLayout({ label: 'RegionsPass.pipelineLayout', bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'labelTile' },
      });
      return new RegionsPass(device, layout, pipeline);
    });
  }

  /**
   * Uploads the net: weights transposed and in groups of four neurons, [in][ceil(out / 4)] vec4s, so that an
   * invocation reads one vec4 an input and neighbouring invocations read neighbouring vec4s.
   */
  setNet(net: Net): void {
    this.destroyNet();
    const layers = [...net.hidden, outputUnit(net)];
    const bases = [...neuronBases(net), neuronCount(net)];
    const info = new Uint32Array(layers.length * (structSize(kLayerInfo) / 4));
    const groups = (layer: Layer): number => Math.ceil(layer.outDim / 4);
    let total = 0;
    layers.forEach((layer, l) => {
      info.set(
        packStruct(kLayerInfo, {
          inDim: layer.inDim,
          outDim: layer.outDim,
          weightOffset: total,
          neuronBase: bases[l] ?? 0,
        }),
        l * 4,
      );
      total += layer.inDim * groups(layer);
    });
    const weights = this.device.createBuffer({
      label: 'RegionsPass.weights',
      size: total * 16,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      mappedAtCreation: true,
    });
    const mapped = new Float32Array(weights.getMappedRange());
    let offset = 0;
    for (const layer of layers) {
      const stride = 4 * groups(layer);
      for (let n = 0; n < layer.outDim; n++) {
        for (let k = 0; k < layer.inDim; k++) mapped[offset + k * stride + n] = layer.weight[n * layer.inDim + k] ?? 0;
      }
      offset += layer.inDim * stride;
    }
    weights.unmap();
    const layerBuffer = this.device.createBuffer({
      label: 'RegionsPass.layers',
      size: info.byteLength,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    this.device.queue.writeBuffer(layerBuffer, 0, info);
    const centre = this.device.createBuffer({
      label: 'RegionsPass.centre',
      size: (neuronCount(net) + 1) * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    const maxWidth = Math.max(...net.hidden.map((l) => l.outDim));
    const slotStride = 2 * maxWidth + neuronCount(net);
    this.netBuffers = { net, layers: layerBuffer, weights, centre, maxWidth, slotStride };
    this.destroySize();
  }

  /**
   * Uploads what a frame needs (the view-dependent first layer and centre values, the frame uniform, the list of
   * tiles to label: all of them, or `tiles`). Then `encodeStep` records the tiles [first, first + count) of the
   * list; each step must be submitted before the next is encoded (it rewrites the step uniform).
   */
  prepare(request: FieldsRequest, target: FieldsTarget, tiles: Uint32Array | null = null): number {
    const nb = this.netBuffers;
    if (!nb) throw new GpuError('RegionsPass.prepare before setNet');
    const sb = this.ensureSize(nb, request, target);
    sb.target = target;
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
      computeOutput: request.computeOutput ? 1 : 0,
      tilesX: Math.ceil(request.size.width / kTileSide),
      slotStride: nb.slotStride,
      maxWidth: nb.maxWidth,
      u0: ox + 0.5 - fullSize.width / 2,
      v0: oy + 0.5 - fullSize.height / 2,
    });
    this.device.queue.writeBuffer(this.frame, 0, frame);
    const list = tiles ?? Uint32Array.from({ length: sb.tiles }, (_, i) => i);
    this.device.queue.writeBuffer(sb.tileIds, 0, list);
    return list.length;
  }

  /** Bind groups kept (tests: at most one for each of the renderer's two fields buffers). */
  get bindGroupCount(): number {
    return this.sizeBuffers?.bindGroups.size ?? 0;
  }

  /** Tiles one step may label (bounded by the scratch memory). */
  get maxTilesPerStep(): number {
    return this.sizeBuffers?.tilesPerStep ?? 1;
  }

  encodeStep(encoder: GPUCommandEncoder, first: number, count: number): void {
    const sb = this.sizeBuffers;
    if (!sb) throw new GpuError('RegionsPass.encodeStep before prepare');
    const n = Math.min(count, sb.tilesPerStep);
    this.device.queue.writeBuffer(this.step, 0, packStruct(kTileChunk, { tileBase: first, tileCount: n }));
    const pass = encoder.beginComputePass({ label: 'RegionsPass.pass' });
    pass.setPipeline(this.pipeline);
    const bindGroup = sb.bindGroups.get(sb.target.fields);
    if (!bindGroup) throw new GpuError('RegionsPass.encodeStep without a bind group');
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(n);
    pass.end();
  }

  private ensureSize(nb: NetBuffers, request: FieldsRequest, target: FieldsTarget): SizeBuffers {
    const { width, height } = request.size;
    const tilesX = Math.ceil(width / kTileSide);
    const tiles = tilesX * Math.ceil(height / kTileSide);
    const cached = this.sizeBuffers;
    if (cached && cached.tiles === tiles) {
      // The renderer alternates between two fields buffers: a bind group for each, and only for the two it uses now
      // (a buffer it replaced is destroyed; its bind group must not be kept).
      if (!cached.bindGroups.has(target.fields)) {
        const oldest = cached.bindGroups.keys().next().value;
        if (cached.bindGroups.size >= 2 && oldest) cached.bindGroups.delete(oldest);
        cached.bindGroups.set(target.fields, this.bindGroup(cached, target));
      }
      return cached;
    }
    this.destroySize();
    const slotBytes = nb.slotStride * 16;
    const budget = Math.min(kScratchBudgetBytes, this.device.limits.maxStorageBufferBindingSize);
    if (slotBytes > budget) {
      throw new GpuError(`the net needs ${slotBytes} bytes of scratch per tile; this GPU binds at most ${budget}`);
    }
    const tilesPerStep = Math.max(
      1,
      Math.min(tiles, Math.floor(budget / slotBytes), this.device.limits.maxComputeWorkgroupsPerDimension),
    );
    const scratch = this.device.createBuffer({
      label: 'RegionsPass.scratch',
      size: tilesPerStep * slotBytes,
      usage: GPUBufferUsage.STORAGE,
    });
    const tileIds = this.device.createBuffer({
      label: 'RegionsPass.tileIds',
      size: tiles * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    const sized = { tiles, tilesPerStep, scratch, tileIds, bindGroups: new Map<GPUBuffer, GPUBindGroup>(), target };
    sized.bindGroups.set(target.fields, this.bindGroup(sized, target));
    this.sizeBuffers = sized;
    return sized;
  }

  private bindGroup(sized: Pick<SizeBuffers, 'scratch' | 'tileIds'>, target: FieldsTarget): GPUBindGroup {
    const nb = this.netBuffers;
    if (!nb) throw new GpuError('RegionsPass bind group before setNet');
    return this.device.createBindGroup({
      label: 'RegionsPass.bindGroup',
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: this.frame } },
        { binding: 1, resource: { buffer: this.step } },
        { binding: 2, resource: { buffer: nb.layers } },
        { binding: 3, resource: { buffer: nb.weights } },
        { binding: 4, resource: { buffer: nb.centre } },
        { binding: 5, resource: { buffer: sized.scratch } },
        { binding: 6, resource: { buffer: target.fields } },
        { binding: 7, resource: { buffer: target.stats } },
        { binding: 8, resource: { buffer: sized.tileIds } },
      ],
    });
  }

  private destroyNet(): void {
    if (!this.netBuffers) return;
    this.netBuffers.layers.destroy();
    this.netBuffers.weights.destroy();
    this.netBuffers.centre.destroy();
    this.netBuffers = null;
  }

  private destroySize(): void {
    if (!this.sizeBuffers) return;
    this.sizeBuffers.scratch.destroy();
    this.sizeBuffers.tileIds.destroy();
    this.sizeBuffers = null;
  }

  destroy(): void {
    this.destroyNet();
    this.destroySize();
    this.frame.destroy();
    this.step.destroy();
  }
}
