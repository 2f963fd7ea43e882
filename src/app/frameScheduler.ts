/**
 * Frames on demand: one frame at a time, rendered into a texture of the canvas's size and presented only when it
 * rendered without errors and the canvas still has that size. While a frame computes, new input shows the last
 * picture moved and scaled at once (the preview pass), and the frame is given up at its next step if the picture
 * it computes is no longer the one asked for. Steps are sized from the last frame's time, about kStepMs each.
 */
import { GpuError, withErrorScopes } from '../gpu/device.ts';
import { kTileSide } from '../gpu/layout.ts';
import { readTexture } from '../gpu/readback.ts';
import type { FieldsCost, FrameResult, RenderSettings } from '../gpu/renderer.ts';
import type { View } from '../model/view.ts';
import type { Gpu } from './gpuContext.ts';

/** Target duration of one submission of the fast pass while interacting. */
const kStepMs = 40;
const kFrameLog = 100;

/** What the scheduler needs from the app. */
export interface FrameSource {
  gpu(): Gpu;
  readonly canvas: HTMLCanvasElement;
  /** What the settings ask for now. */
  renderSettings(): RenderSettings;
  error(text: string): void;
  /** A frame is on screen (the readout refreshes). */
  shown(): void;
}

export class FrameScheduler {
  frames = 0;
  lastFrame: FrameResult | null = null;
  lastCost: FieldsCost | null = null;
  /** The theorem's predicted boundary length of the last computed view (theorem mode; null otherwise). */
  lastTheoremIntegral: number | null = null;
  /** Frames given up because the view or settings changed while they were computed. */
  abandoned = 0;
  /** The last kFrameLog frames, for tests and debugging. */
  readonly frameLog: { span: number; outcome: 'abandoned' | 'shown' }[] = [];
  /** For tests: tiles per step instead of the adaptive count, and a promise each step and each present wait for. */
  readonly testHooks: { stepTiles: number | null; gate: Promise<void> | null } = { stepTiles: null, gate: null };
  private renderedView: View | null = null;
  private frameTexture: GPUTexture | null = null;
  private readonly wakeUp = new MessageChannel();
  private readonly frameWaiters: (() => void)[] = [];
  private stepTiles = 64;
  private scheduled = false;
  private busy = false;
  private pending = false;
  private stopped = false;

  constructor(private readonly source: FrameSource) {
    this.wakeUp.port1.onmessage = () => {
      this.scheduled = false;
      void this.frame();
    };
  }

  requestRender(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    // A message, not requestAnimationFrame or setTimeout: Chromium holds animation frames back while its GPU
    // process is busy with a long computation, and may align timers to whole seconds, and the point here is to
    // react (preview, cancel) while a computation runs.
    this.wakeUp.port2.postMessage(null);
  }

  /** Resolves when the next frame is on screen (the performance demo paces itself with it). */
  nextFrame(): Promise<void> {
    return new Promise((resolve) => {
      this.frameWaiters.push(resolve);
      this.requestRender();
    });
  }

  /** True when the last requested picture is on screen. */
  get idle(): boolean {
    return this.frames > 0 && !this.busy && !this.scheduled && !this.pending;
  }

  /** A new device replaced a lost one: what was made on the old one is gone. */
  deviceReplaced(): void {
    this.frameTexture = null;
    this.renderedView = null;
    this.busy = false;
    this.requestRender();
  }

  stop(): void {
    this.stopped = true;
  }

  /** Identifies the picture the settings and the canvas ask for now. */
  private pictureKey(): string {
    const { canvas } = this.source;
    return JSON.stringify([this.source.renderSettings(), canvas.width, canvas.height]);
  }

  /**
   * Draws the last finished picture moved and scaled to the current view, at once: what the user sees while the
   * picture of the new view is computed (a big net on a slow GPU takes seconds).
   */
  private preview(): void {
    const texture = this.frameTexture;
    const from = this.renderedView;
    const { canvas } = this.source;
    if (!texture || !from || texture.width !== canvas.width || texture.height !== canvas.height) return;
    const { device, blitPass, context } = this.source.gpu();
    // Its own error scope, pushed and popped synchronously: a frame's scopes may be open (it awaits the GPU).
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: 'App.preview' });
    const to = this.source.renderSettings().view;
    blitPass.encode(encoder, texture, from, to, context.getCurrentTexture().createView());
    device.queue.submit([encoder.finish()]);
    void device.popErrorScope().then((error) => {
      if (error) this.source.error(`preview failed: ${error.message}`);
    });
  }

  private async frame(): Promise<void> {
    if (this.busy) {
      this.pending = true;
      this.preview();
      return;
    }
    this.busy = true;
    try {
      await this.render();
    } catch (error) {
      this.source.error(`rendering failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
      if (this.pending) {
        this.pending = false;
        this.requestRender();
      }
    }
  }

  private async render(): Promise<void> {
    const gpu = this.source.gpu();
    const texture = this.ensureFrameTexture(gpu);
    const settings = this.source.renderSettings();
    const key = this.pictureKey();
    const frame = await gpu.renderer.render(texture, settings, {
      stepTiles: this.testHooks.stepTiles ?? this.stepTiles,
      cancelled: () => this.pictureKey() !== key,
      between: async () => {
        await this.testHooks.gate;
      },
    });
    this.frameLog.push({ span: settings.view.span, outcome: frame === null ? 'abandoned' : 'shown' });
    this.frameLog.splice(0, Math.max(0, this.frameLog.length - kFrameLog));
    if (frame === null) {
      this.abandoned++;
      return;
    }
    this.lastFrame = frame;
    if (frame.computedFields) {
      this.lastCost = await gpu.renderer.fieldsCost();
      this.lastTheoremIntegral = await gpu.renderer.theoremIntegral();
      // Steps of about kStepMs keep the queue short, so that previews and input are never behind by more.
      const tiles = Math.ceil(texture.width / kTileSide) * Math.ceil(texture.height / kTileSide);
      const msPerTile = frame.ms / tiles;
      this.stepTiles = Math.max(4, Math.min(65535, Math.round(kStepMs / Math.max(msPerTile, 1e-3))));
    }
    this.renderedView = settings.view;
    await this.testHooks.gate;
    // Present only a frame that rendered without errors (the previous picture stays otherwise), and only at the
    // canvas's size now: a resize during the frame's awaits makes it stale, and a new frame is on its way.
    const current = gpu.context.getCurrentTexture();
    if (current.width !== texture.width || current.height !== texture.height) {
      this.pending = true;
      return;
    }
    await withErrorScopes(gpu.device, 'presenting a frame', () => {
      const encoder = gpu.device.createCommandEncoder({ label: 'App.present' });
      encoder.copyTextureToTexture({ texture }, { texture: current }, [texture.width, texture.height]);
      gpu.device.queue.submit([encoder.finish()]);
    });
    this.frames++;
    for (const waiting of this.frameWaiters.splice(0)) waiting();
    this.source.shown();
  }

  private ensureFrameTexture(gpu: Gpu): GPUTexture {
    const { width, height } = this.source.canvas;
    if (this.frameTexture?.width === width && this.frameTexture.height === height) return this.frameTexture;
    this.frameTexture?.destroy();
    this.frameTexture = gpu.device.createTexture({
      label: 'App.frameTexture',
      size: [width, height],
      format: gpu.renderer.format,
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC | GPUTextureUsage.TEXTURE_BINDING,
    });
    return this.frameTexture;
  }

  /** The pixels on screen, as RGBA bytes (tests). */
  async readPixels(): Promise<{ width: number; height: number; rgba: Uint8Array }> {
    const texture = this.frameTexture;
    if (!texture) throw new GpuError('nothing rendered yet');
    const gpu = this.source.gpu();
    const { width, height } = texture;
    const texels = await readTexture(gpu.device, texture);
    // The canvas format may be BGRA: swap to RGBA.
    const rgba = new Uint8Array(texels.length);
    const [red, blue] = gpu.renderer.format === 'bgra8unorm' ? [2, 0] : [0, 2];
    for (let i = 0; i < texels.length; i += 4) {
      rgba[i] = texels[i + red] ?? 0;
      rgba[i + 1] = texels[i + 1] ?? 0;
      rgba[i + 2] = texels[i + blue] ?? 0;
      rgba[i + 3] = texels[i + 3] ?? 0;
    }
    return { width, height, rgba };
  }
}
