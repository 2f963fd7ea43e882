/** The colour pass (shaders/colour.wgsl): fields -> pixels, in one of the colour modes. */
import colourWgsl from '../../shaders/colour.wgsl?raw';
import commonWgsl from '../../shaders/common.wgsl?raw';
import fullscreenWgsl from '../../shaders/fullscreen.wgsl?raw';
import type { ImageSize } from '../model/view.ts';
import { createCheckedModule, withErrorScopes } from './device.ts';
import {
  type ColourMode,
  createUniform,
  kColourModes,
  kColourParams,
  kLabelsBase,
  kPalettes,
  kTileSide,
  type Palette,
  packStruct,
} from './layout.ts';
import { NamedBindings } from './passKit.ts';
import { buildShader } from './shaderSource.ts';

export interface ColourSettings {
  readonly mode: ColourMode;
  readonly palette: Palette;
  /** Edge width in screen pixels. */
  readonly edgeWidth: number;
  readonly layersShown: number;
  /** The output scale's range (a tile of a large picture gets the whole picture's); absent: the frame's own. */
  readonly outputRange?: readonly [number, number];
  /** Integrand at the top of the theorem mode's scale; 0 or absent: the largest of the frame. */
  readonly theoremScale?: number;
}

/**
 * What the colour pass reads: the fields, the theorem mode's per-pixel integrand (same pixels), the statistics of
 * the computation (the heat maps' tops), and, for one in progress, which pixels it did.
 */
export interface ColourSource {
  readonly fields: GPUBuffer;
  readonly theorem: GPUBuffer;
  readonly stats: GPUBuffer;
  readonly labels: GPUBuffer;
  /** 0: every pixel is done; else the coarsest stride of the computation in progress. */
  readonly partial: number;
}

type Binding = 'params' | 'fields' | 'stats' | 'theorem' | 'labels';

export class ColourPass {
  private readonly params: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private source: ColourSource | null = null;

  private constructor(
    private readonly device: GPUDevice,
    private readonly bindings: NamedBindings<Binding>,
    /** The whole picture's pipeline, and one that shows a computation in progress (the PARTIAL variant). */
    private readonly pipelines: { readonly done: GPURenderPipeline; readonly partial: GPURenderPipeline },
  ) {
    this.params = createUniform(device, 'ColourPass.params', kColourParams);
  }

  static async create(device: GPUDevice, format: GPUTextureFormat): Promise<ColourPass> {
    const parts = [commonWgsl, fullscreenWgsl, colourWgsl];
    const variant = (PARTIAL: boolean): Promise<GPUShaderModule> =>
      createCheckedModule(device, `colour.wgsl${PARTIAL ? ' (PARTIAL)' : ''}`, buildShader(parts, { PARTIAL }));
    const [done, partial] = await Promise.all([variant(false), variant(true)]);
    return withErrorScopes(device, 'creating the colour pipelines', () => {
      const read = { visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'read-only-storage' } } as const;
      const bindings = new NamedBindings<Binding>(device, 'ColourPass', colourWgsl, {
        params: { visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } },
        fields: read,
        stats: read,
        theorem: read,
        labels: read,
      });
      const layout = device.createPipelineLayout({
        label: 'ColourPass.pipelineLayout',
        bindGroupLayouts: [bindings.layout],
      });
      const pipeline = (module: GPUShaderModule, name: string): GPURenderPipeline =>
        device.createRenderPipeline({
          label: `ColourPass.pipeline.${name}`,
          layout,
          vertex: { module, entryPoint: 'fullscreen' },
          fragment: { module, entryPoint: 'colourPixel', targets: [{ format }] },
          primitive: { topology: 'triangle-list' },
        });
      return new ColourPass(device, bindings, { done: pipeline(done, 'done'), partial: pipeline(partial, 'partial') });
    });
  }

  /**
   * Records the colour pass from `source` (of `size`) into `target` (of the same size); `imageWidth` is that of the
   * whole image when this is a tile of it.
   */
  encode(
    encoder: GPUCommandEncoder,
    target: GPUTextureView,
    source: ColourSource,
    size: ImageSize,
    settings: ColourSettings,
    imageWidth = size.width,
  ): void {
    const same =
      this.source && (['fields', 'theorem', 'stats', 'labels'] as const).every((k) => this.source?.[k] === source[k]);
    if (!same || !this.bindGroup) {
      this.bindGroup = this.bindings.group('bindGroup', {
        params: { buffer: this.params },
        fields: { buffer: source.fields },
        stats: { buffer: source.stats },
        theorem: { buffer: source.theorem },
        // The labels start at word kLabelsBase of a computation's counters (a 256-byte aligned offset).
        labels: { buffer: source.labels, offset: kLabelsBase * 4 },
      });
    }
    this.source = source;
    const params = packStruct(kColourParams, {
      width: size.width,
      height: size.height,
      mode: kColourModes.indexOf(settings.mode),
      palette: kPalettes.indexOf(settings.palette),
      edgeWidth: settings.edgeWidth,
      layersShown: settings.layersShown,
      outputLow: settings.outputRange?.[0] ?? 0,
      outputHigh: settings.outputRange?.[1] ?? 0,
      imageWidth,
      theoremScale: settings.theoremScale ?? 0,
      partial: source.partial,
      tilesX: Math.ceil(size.width / kTileSide),
    });
    this.device.queue.writeBuffer(this.params, 0, params);
    const pass = encoder.beginRenderPass({
      label: 'ColourPass.pass',
      colorAttachments: [{ view: target, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }],
    });
    pass.setPipeline(source.partial > 0 ? this.pipelines.partial : this.pipelines.done);
    if (this.bindGroup) pass.setBindGroup(0, this.bindGroup);
    pass.draw(3);
    pass.end();
  }

  destroy(): void {
    this.params.destroy();
  }
}
