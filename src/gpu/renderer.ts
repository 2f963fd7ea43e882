/**
 * The one renderer, shared by the app, the CLI and the tests: (net, view, settings) -> fields -> colours.
 * It recomputes the fields only when what they depend on changed (net, view, size, layers, output needed, theorem
 * mode); colour settings alone re-run only the colour pass. Theorem mode always runs the brute-force pass: the
 * region-seeded pass does not compute the main formula's integrand.
 */
import { type BalancedNet, balanceNet } from '../model/balance.ts';
import type { Net } from '../model/net.ts';
import { type ImageSize, pixelSize, type View } from '../model/view.ts';
import { ColourPass, type ColourSettings } from './colourPass.ts';
import { GpuError, withErrorScopes } from './device.ts';
import { FieldsPass } from './fieldsPass.ts';
import type { FieldsRequest, FieldsTarget } from './fieldsRequest.ts';
import { type Algorithm, type ColourMode, kPixelField, kStatsWords, structSize } from './layout.ts';
import { encodeShift, exposedTiles, panShift } from './panReuse.ts';
import { decodeFields, type FieldsData, readBuffer, readTexture } from './readback.ts';
import { RegionsPass } from './regionsPass.ts';

export type { FieldsData };

/** Where the fields come from: the view, and where the rendered pixels sit in the image the view spans. */
export interface FieldsSettings {
  readonly view: View;
  /** `fast` (region-seeded tiles, the default) or `brute` (one network evaluation a pixel). */
  readonly algorithm?: Algorithm;
  readonly layersShown: number;
  /** The whole image the view spans, when rendering a tile of it; the target's size otherwise. */
  readonly imageSize?: ImageSize;
  /** Top-left pixel of the tile inside the whole image; (0, 0) otherwise. */
  readonly origin?: readonly [number, number];
  /**
   * Standard deviation of the Gaussian bias density of the theorem mode (the settings' sigmaB, also for loaded
   * nets). Required in theorem mode, ignored otherwise.
   */
  readonly sigmaB?: number;
}

export interface RenderSettings extends ColourSettings, FieldsSettings {}

export interface FrameResult {
  /** Wall-clock milliseconds from the start of render() (the float64 view upload included) until the GPU finished. */
  readonly ms: number;
  /** Whether the fields were recomputed (false: colours only). */
  readonly computedFields: boolean;
}

export interface RenderOptions {
  /** Tiles a submission of the fast pass labels (default: as many as its scratch memory holds). */
  readonly stepTiles?: number;
  /** Asked between submissions: true abandons the frame. */
  readonly cancelled?: () => boolean;
  /** Awaited between submissions, before `cancelled` is asked (tests hold a frame half-done with it). */
  readonly between?: () => Promise<void>;
}

/** What the last fields computation cost. */
export interface FieldsCost {
  readonly pixels: number;
  /** Full network evaluations (brute force: one a pixel). */
  readonly evaluations: number;
  /** Pixels moved from the previous fields instead of computed (pan reuse). */
  readonly reusedPixels: number;
}

export class Renderer {
  private net: Net | null = null;
  /** What the passes draw: the net balanced (exactly the same partition and distances, numbers near 1). */
  private balanced: BalancedNet | null = null;
  private fieldsKey = '';
  private fieldsSize: ImageSize = { width: 0, height: 0 };
  private fieldsImageSize: ImageSize = { width: 0, height: 0 };
  private fieldsView: View | null = null;
  private fieldsAlgorithm: Algorithm = 'fast';
  /** What the stored fields are, but for the view: pan reuse needs it equal. Empty when they are not complete. */
  private reuseKey = '';
  /** Pixels the last fields computation moved instead of computing. */
  reusedPixels = 0;
  /** The complete fields of the last computation (front) and the buffer the next one writes (back). */
  private front: GPUBuffer | null = null;
  private back: GPUBuffer | null = null;
  /** The main formula's integrand per pixel (f32, input units); current when `fieldsTheorem` is. */
  private theorem: GPUBuffer | null = null;
  private fieldsTheorem = false;

  private constructor(
    readonly device: GPUDevice,
    readonly format: GPUTextureFormat,
    private readonly fieldsPass: FieldsPass,
    private readonly regionsPass: RegionsPass,
    private readonly colourPass: ColourPass,
    /** What the fields computation in progress counts (kStatsWords). */
    private readonly stats: GPUBuffer,
    /** The same for the front fields: copied when a computation completes; the colour pass reads it. */
    private readonly frontStats: GPUBuffer,
  ) {}

  static async create(device: GPUDevice, format: GPUTextureFormat = 'rgba8unorm'): Promise<Renderer> {
    const statsBuffer = (label: string): GPUBuffer =>
      device.createBuffer({
        label,
        size: kStatsWords * 4,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
      });
    const stats = statsBuffer('Renderer.stats');
    const frontStats = statsBuffer('Renderer.frontStats');
    const [fieldsPass, regionsPass] = await withErrorScopes(device, 'creating the fields passes', () => [
      new FieldsPass(device),
      new RegionsPass(device),
    ]);
    const colourPass = await ColourPass.create(device, format, frontStats);
    return new Renderer(device, format, fieldsPass, regionsPass, colourPass, stats, frontStats);
  }

  /**
   * Throws NetTooLargeError (and keeps the previous net) if the net does not fit this device. The passes get the
   * net balanced (src/model/balance.ts), so weights anywhere in float64's range draw the exact partition.
   */
  setNet(net: Net): void {
    const balanced = balanceNet(net);
    this.fieldsPass.setNet(balanced.net); // checks first: it throws before any pass changed
    this.regionsPass.setNet(balanced.net);
    this.net = net;
    this.balanced = balanced;
    this.invalidateFields();
  }

  /**
   * A whole-pixel pan of the stored fields (same size, zoom, layers; no output, whose colour scale is the whole
   * picture's): how far, or null when everything must be computed.
   */
  private reusable(request: FieldsRequest, algorithm: Algorithm): { dx: number; dy: number } | null {
    if (algorithm !== 'fast' || request.computeOutput || !this.fieldsView) return null;
    if (this.reuseKey !== JSON.stringify([{ ...request, view: null }, algorithm])) return null;
    return panShift(this.fieldsView, request.view, request.size);
  }

  /** Forgets the stored fields, so that the next frame computes them again (benchmarks). */
  invalidateFields(): void {
    this.fieldsKey = '';
    this.reuseKey = '';
  }

  /**
   * The buffer the next fields computation writes, made anew only when the size changes. Computations write the
   * back buffer and the buffers swap when one completes, so an abandoned frame never spoils the last complete
   * fields (which pan reuse moves into the back buffer).
   */
  private backBuffer(size: ImageSize): GPUBuffer {
    const bytes = size.width * size.height * structSize(kPixelField);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new GpuError(
        `an image of ${size.width}x${size.height} needs ${bytes} bytes of fields; the limit is ${limit}`,
      );
    }
    const make = (name: string): GPUBuffer =>
      this.device.createBuffer({
        label: `Renderer.fields.${name}`,
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
    if (this.back?.size !== bytes) {
      this.back?.destroy();
      this.back = make(this.front ? 'b' : 'a');
    }
    const theoremBytes = size.width * size.height * 4;
    if (this.theorem?.size !== theoremBytes) {
      this.theorem?.destroy();
      this.theorem = this.device.createBuffer({
        label: 'Renderer.theorem',
        size: theoremBytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC,
      });
      this.fieldsTheorem = false;
    }
    if (this.front && this.front.size !== bytes) {
      this.front.destroy();
      this.front = null;
      this.invalidateFields();
    }
    return this.back;
  }

  get currentNet(): Net | null {
    return this.net;
  }

  /** Bind groups the region-seeded pass keeps (tests check that they do not pile up). */
  get regionsBindGroups(): number {
    return this.regionsPass.bindGroupCount;
  }

  /**
   * Computes the fields if needed and colours them into `target` (whose size is the fields' size). The fast pass
   * runs in steps of `options.stepTiles` tiles, each its own submission; between steps `options.cancelled` may
   * abandon the frame (it returns null then), so that a frame nobody wants any more stops within one step.
   */
  async render(target: GPUTexture, settings: RenderSettings, options: RenderOptions = {}): Promise<FrameResult | null> {
    const size = { width: target.width, height: target.height };
    return withErrorScopes(this.device, 'rendering a frame', async () => {
      const start = performance.now();
      const computedFields = await this.computeFieldsIn(size, settings, options);
      if (computedFields === null) return null;
      const fields = this.front;
      const theorem = this.theorem;
      if (!fields || !theorem) throw new GpuError('no fields to colour');
      const encoder = this.device.createCommandEncoder({ label: 'Renderer.colourEncoder' });
      const imageWidth = settings.imageSize?.width ?? size.width;
      this.colourPass.encode(encoder, target.createView(), { fields, theorem }, size, settings, imageWidth);
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      return { ms: performance.now() - start, computedFields };
    });
  }

  /**
   * Computes the fields for `settings` at `size` without colouring (tests, data export, the first pass of a tiled
   * picture), for `mode` (default: `output` when `computeOutput` is set, `regions` otherwise). Returns the top of
   * the mode's heat map over these pixels: the largest |output| (output), the largest integrand (theorem), else 0.
   */
  async computeFields(
    size: ImageSize,
    settings: FieldsSettings & { computeOutput?: boolean; mode?: ColourMode },
  ): Promise<number> {
    const mode = settings.mode ?? (settings.computeOutput ? 'output' : 'regions');
    await withErrorScopes(this.device, 'computing fields', async () => {
      await this.computeFieldsIn(size, { ...settings, mode }, {});
      await this.device.queue.onSubmittedWorkDone();
    });
    const stats = new Float32Array(await readBuffer(this.device, this.frontStats));
    if (mode === 'output') return stats[0] ?? 0;
    return mode === 'theorem' ? (stats[2] ?? 0) : 0;
  }

  /** Submits the fields computation; true if it ran, false if the stored fields were current, null if cancelled. */
  private async computeFieldsIn(
    size: ImageSize,
    settings: FieldsSettings & Pick<RenderSettings, 'mode'>,
    options: RenderOptions,
  ): Promise<boolean | null> {
    if (!this.net) throw new GpuError('no net to render');
    const imageSize = settings.imageSize ?? size;
    const theorem = settings.mode === 'theorem';
    const sigmaB = settings.sigmaB ?? Number.NaN;
    if (theorem && !(sigmaB > 0 && Number.isFinite(sigmaB))) {
      throw new Error(`the theorem mode needs the bias standard deviation sigmaB > 0 (got ${settings.sigmaB})`);
    }
    const request: FieldsRequest = {
      view: settings.view,
      size,
      layersShown: settings.layersShown,
      computeOutput: settings.mode === 'output',
      origin: settings.origin ?? [0, 0],
      fullSize: imageSize,
      ...(theorem
        ? { theoremSigmaB: sigmaB, neuronExponents: this.balanced?.neuronExponents ?? new Int32Array(0) }
        : {}),
    };
    // Only the brute-force pass computes the main formula's integrand.
    const algorithm = theorem ? 'brute' : (settings.algorithm ?? 'fast');
    const key = JSON.stringify([request, settings.view, algorithm]);
    if (key === this.fieldsKey) return false;
    const back = this.backBuffer(size);
    const reuse = this.reusable(request, algorithm);
    if (!this.theorem) throw new GpuError('no theorem buffer');
    const target: FieldsTarget = { fields: back, stats: this.stats, theorem: this.theorem };
    this.device.queue.writeBuffer(this.stats, 0, new Uint32Array(kStatsWords));
    if (algorithm === 'fast') {
      let list: Uint32Array | null = null;
      if (reuse && this.front) {
        const encoder = this.device.createCommandEncoder({ label: 'Renderer.panReuse' });
        encodeShift(encoder, this.front, back, size, reuse.dx, reuse.dy);
        this.device.queue.submit([encoder.finish()]);
        list = exposedTiles(size, reuse.dx, reuse.dy);
      }
      const frame = await this.regionsPass.prepare(
        request,
        target,
        list,
        options.stepTiles ?? Number.POSITIVE_INFINITY,
      );
      // Each step its own submission when the frame may be given up between them; else all in one.
      const steps = options.cancelled ? 1 : frame.steps;
      for (let first = 0; first < frame.steps; first += steps) {
        const encoder = this.device.createCommandEncoder({ label: 'Renderer.fieldsSteps' });
        for (let s = first; s < Math.min(first + steps, frame.steps); s++)
          this.regionsPass.encodeStep(encoder, frame, s);
        this.device.queue.submit([encoder.finish()]);
        if (options.cancelled && first + steps < frame.steps) {
          await this.device.queue.onSubmittedWorkDone();
          await options.between?.();
          if (options.cancelled()) return null;
        }
      }
    } else {
      const encoder = this.device.createCommandEncoder({ label: 'Renderer.fieldsEncoder' });
      await this.fieldsPass.encode(encoder, request, target);
      this.device.queue.submit([encoder.finish()]);
    }
    // Complete: the back buffer becomes the front one, with its statistics.
    const encoder = this.device.createCommandEncoder({ label: 'Renderer.frontStats' });
    encoder.copyBufferToBuffer(this.stats, 0, this.frontStats, 0, kStatsWords * 4);
    this.device.queue.submit([encoder.finish()]);
    this.back = this.front ?? null;
    this.front = back;
    this.fieldsAlgorithm = algorithm;
    this.fieldsTheorem = theorem;
    this.fieldsKey = key;
    this.reuseKey = JSON.stringify([{ ...request, view: null }, algorithm]);
    this.reusedPixels = reuse ? (size.width - Math.abs(reuse.dx)) * (size.height - Math.abs(reuse.dy)) : 0;
    this.fieldsSize = size;
    this.fieldsImageSize = imageSize;
    this.fieldsView = settings.view;
    return true;
  }

  /** Network evaluations of the last fields computation (read back from the GPU for the fast pass). */
  async fieldsCost(): Promise<FieldsCost> {
    const pixels = this.fieldsSize.width * this.fieldsSize.height;
    if (this.fieldsAlgorithm === 'brute') return { pixels, evaluations: pixels, reusedPixels: 0 };
    const words = new Uint32Array(await readBuffer(this.device, this.frontStats));
    return { pixels, evaluations: words[1] ?? 0, reusedPixels: this.reusedPixels };
  }

  /** Reads back the fields of the last computation. */
  async readFields(): Promise<FieldsData> {
    const fields = this.front;
    const view = this.fieldsView;
    if (!fields || !view) throw new GpuError('no fields computed yet');
    const words = new Uint32Array(await readBuffer(this.device, fields));
    const outputExponent = this.balanced?.outputExponent ?? 0;
    return decodeFields(words, this.fieldsSize, pixelSize(view, this.fieldsImageSize), outputExponent);
  }

  /**
   * The main formula's integrand at each pixel of the last computation (expected boundary length per unit area,
   * row-major from the top-left pixel); null when it was not computed in theorem mode.
   */
  async readTheorem(): Promise<Float32Array | null> {
    if (!this.fieldsTheorem || !this.theorem) return null;
    return new Float32Array(await readBuffer(this.device, this.theorem));
  }

  /**
   * The main formula's prediction of the boundary length inside the pixels of the last computation: the sum of the
   * integrand times the pixel area, in float64 (input units). Null when the fields were not computed in theorem mode.
   */
  async theoremIntegral(): Promise<number | null> {
    const integrand = await this.readTheorem();
    const view = this.fieldsView;
    if (!integrand || !view) return null;
    const s = pixelSize(view, this.fieldsImageSize);
    return integrand.reduce((sum, value) => sum + value, 0) * s * s;
  }

  /** Renders into an offscreen texture of this renderer's format and reads its pixels back (RGBA or BGRA). */
  async readPixels(size: ImageSize, settings: RenderSettings): Promise<Uint8Array> {
    const texture = this.device.createTexture({
      label: 'Renderer.offscreen',
      size: [size.width, size.height],
      format: this.format,
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    });
    try {
      await this.render(texture, settings);
      return await readTexture(this.device, texture);
    } finally {
      texture.destroy();
    }
  }

  destroy(): void {
    this.front?.destroy();
    this.back?.destroy();
    this.theorem?.destroy();
    this.stats.destroy();
    this.frontStats.destroy();
    this.regionsPass.destroy();
    this.fieldsPass.destroy();
    this.colourPass.destroy();
  }
}
