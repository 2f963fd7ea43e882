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
  /**
   * Null: every pixel is done. For a computation in progress: the stride of its finest grid completed (0: none yet)
   * and of the grid it computes now (a preview shows those two grids' pixels done, each standing for its block).
   */
  readonly grids: { readonly finestDone: number; readonly computing: number } | null;
}

type Binding = 'params' | 'fields' | 'stats' | 'theorem' | 'labels';

export class ColourPass {
  private readonly params: GPUBuffer;
  private bindGroup: GPUBindGroup | null = null;
  private source: ColourSource | null = null;
  /** A pipeline per colour mode and preview or not (the shader's override constants), made on first use. */
  private readonly pipelines = new Map<string, GPURenderPipeline>();

  private constructor(
    private readonly device: GPUDevice,
    private readonly format: GPUTextureFormat,
    private readonly module: GPUShaderModule,
    private readonly bindings: NamedBindings<Binding>,
    private readonly layout: GPUPipelineLayout,
  ) {
    this.params = createUniform(device, 'ColourPass.params', kColourParams);
  }

  static async create(device: GPUDevice, format: GPUTextureFormat): Promise<ColourPass> {
    const module = await createCheckedModule(
      device,
      'colour.wgsl',
      buildShader([commonWgsl, fullscreenWgsl, colourWgsl]),
    );
    return withErrorScopes(device, 'creating the colour pass', () => {
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
      return new ColourPass(device, format, module, bindings, layout);
    });
  }

  /**
   * Makes the preview pipeline of `mode` and draws a pixel with it: SwiftShader compiles a pipeline's pixel code at its
   * first draw (0.1 to 0.3 s), here while the region-seeded pass's shader is compiled aside, not after the first grid.
   */
  warm(mode: ColourMode): void {
    const buffer = (name: string): GPUBuffer =>
      this.device.createBuffer({ label: `ColourPass.warm.${name}`, size: 4096, usage: GPUBufferUsage.STORAGE });
    const [fields, stats, theorem, labels] = ['fields', 'stats', 'theorem', 'labels'].map(buffer) as [
      GPUBuffer,
      GPUBuffer,
      GPUBuffer,
      GPUBuffer,
    ];
    const target = this.device.createTexture({
      label: 'ColourPass.warm.target',
      size: [1, 1],
      format: this.format,
      usage: GPUTextureUsage.RENDER_ATTACHMENT,
    });
    const encoder = this.device.createCommandEncoder({ label: 'ColourPass.warm' });
    const source = { fields, stats, theorem, labels, grids: { finestDone: 2, computing: 1 } };
    const settings = { mode, palette: 'vivid', edgeWidth: 1, layersShown: 1 } as const;
    this.encode(encoder, target.createView(), source, { width: 1, height: 1 }, settings);
    this.device.queue.submit([encoder.finish()]);
    // The next frame's bind group is made anew (its buffers differ from these).
    this.source = null;
    this.bindGroup = null;
    for (const b of [fields, stats, theorem, labels]) b.destroy();
    target.destroy();
  }

  /**
   * The pipeline of a colour mode, for a preview or the finished picture. Made on first use (synchronously: its
   * errors reach the error scope of the frame that first draws with it).
   */
  private pipeline(mode: ColourMode, partial: boolean): GPURenderPipeline {
    const key = `${mode}${partial ? '.partial' : ''}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.device.createRenderPipeline({
        label: `ColourPass.pipeline.${key}`,
        layout: this.layout,
        vertex: { module: this.module, entryPoint: 'fullscreen' },
        fragment: {
          module: this.module,
          entryPoint: 'colourPixel',
          targets: [{ format: this.format }],
          constants: { kMode: kColourModes.indexOf(mode), kPartial: partial ? 1 : 0 },
        },
        primitive: { topology: 'triangle-list' },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
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
      palette: kPalettes.indexOf(settings.palette),
      edgeWidth: settings.edgeWidth,
      layersShown: settings.layersShown,
      outputLow: settings.outputRange?.[0] ?? 0,
      outputHigh: settings.outputRange?.[1] ?? 0,
      imageWidth,
      theoremScale: settings.theoremScale ?? 0,
      finestDone: source.grids?.finestDone ?? 0,
      computing: source.grids?.computing ?? 0,
      tilesX: Math.ceil(size.width / kTileSide),
    });
    this.device.queue.writeBuffer(this.params, 0, params);
    const pass = encoder.beginRenderPass({
      label: 'ColourPass.pass',
      colorAttachments: [{ view: target, loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 1] }],
    });
    pass.setPipeline(this.pipeline(settings.mode, source.grids !== null));
    if (this.bindGroup) pass.setBindGroup(0, this.bindGroup);
    pass.draw(3);
    pass.end();
  }

  destroy(): void {
    this.params.destroy();
  }
}
