/**
 * Frames on demand, one at a time, in bounded steps. A picture's fields are computed coarse to fine (the renderer's
 * computations), each step about kStepMs of GPU work, so that input is answered at once: a change of view shows the
 * last picture moved and scaled (the preview pass) and gives the computation up at its next step; a change of colour
 * settings alone re-colours what is computed. Each finished grid is shown (marked as a preview until the last), and
 * a picture stops at its last grid that ends within kConfirmMs until the user asks for full detail.
 * A frame is presented only when it rendered without errors and the canvas still has its size.
 */
import { GpuError, withErrorScopes } from '../gpu/device.ts';
import type { JobTuning } from '../gpu/fieldsJob.ts';
import { readTexture } from '../gpu/readback.ts';
import type { Computation, FieldsSummary, FrameResult, JobProgress, RenderSettings } from '../gpu/renderer.ts';
import type { ImageSize, View } from '../model/view.ts';
import type { Gpu } from './gpuContext.ts';

/** Target duration of one submission (a step) while interacting: input is answered within about this. */
const kStepMs = 100;
/**
 * What the first, coarsest picture of a view should cost: the compute is only a part of what a user waits for (the
 * shaders' first use, colouring the picture: about 0.2 s at 1280 x 800 on SwiftShader).
 */
const kFirstPictureMs = 250;
/** Coarser grids than this are no use (a 1280-pixel wide canvas shows 5 pixels across). */
const kMaxStride = 256;
/** A picture is computed unasked for this long at most: a finer grid that would end later waits for the user. */
export const kConfirmMs = 20_000;
const kFrameLog = 100;

/** A picture presented. */
export interface PresentRecord {
  /** performance.now() when it was submitted, and when the GPU had done it (null until then). */
  readonly at: number;
  done: number | null;
  /** `moved`: the last picture moved and scaled on input; `coarse`: a computation's grid; `finished`: the picture. */
  readonly kind: 'moved' | 'coarse' | 'finished';
  /** The grid's stride (1: full resolution; 0 for `moved`). */
  readonly stride: number;
}

/** What the scheduler needs from the app. */
export interface FrameSource {
  gpu(): Gpu;
  readonly canvas: HTMLCanvasElement;
  /** What the settings ask for now. */
  renderSettings(): RenderSettings;
  error(text: string): void;
  /** A picture (finished or not) is on screen, or the computation advanced (the readout refreshes). */
  shown(): void;
}

/** The computation of the fields the settings ask for, while it runs or waits. */
interface Active {
  readonly fieldsKey: string;
  readonly computation: Computation;
  readonly start: number;
  /** A coarse grid is done: there is something to show. */
  shown: boolean;
  /** The stride of the finest grid done (what a preview shows exactly). */
  gridStride: number;
  /** Waiting for the user: the rest would take `progress.msLeft`. */
  paused: boolean;
}

export class FrameScheduler {
  /** Pictures presented as the answer to the settings: finished ones, and previews paused as too expensive. */
  frames = 0;
  lastFrame: FrameResult | null = null;
  lastSummary: FieldsSummary | null = null;
  /** The theorem's predicted boundary length of the last computed view (theorem mode; null otherwise). */
  lastTheoremIntegral: number | null = null;
  /** Computations given up because the view or settings changed while they ran. */
  abandoned = 0;
  /** The last kFrameLog frames, for tests and debugging. */
  readonly frameLog: { span: number; outcome: 'abandoned' | 'shown' | 'paused' }[] = [];
  /**
   * For tests: a step's budget, the first picture's cost and the time computed unasked instead of kStepMs,
   * kFirstPictureMs and kConfirmMs, a promise each step and each present wait for, and the computations' limits.
   */
  readonly testHooks: {
    budgetMs: number | null;
    firstPictureMs: number | null;
    confirmMs: number | null;
    gate: Promise<void> | null;
    tuning: JobTuning | null;
  } = { budgetMs: null, firstPictureMs: null, confirmMs: null, gate: null, tuning: null };
  /** True while the picture on screen is a computation's coarse stage, not the finished picture. */
  showingPreview = false;
  /** The last kFrameLog pictures presented (benchmarks, tests). */
  readonly presentLog: PresentRecord[] = [];
  private active: Active | null = null;
  /** The fields the last picture presented as an answer (served or computed) was of. */
  private answeredKey = '';
  /** The computation of these fields goes on to full detail even if expensive (the user asked). */
  private confirmedKey = '';
  private renderedView: View | null = null;
  /** The picture key of what is on screen (a colour change alone re-presents it). */
  private presentedKey = '';
  private frameTexture: GPUTexture | null = null;
  private readonly wakeUp = new MessageChannel();
  private readonly frameWaiters: (() => void)[] = [];
  private readonly finishedWaiters: (() => void)[] = [];
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

  /** Resolves when the next picture is on screen (the performance demo paces itself with it). */
  nextFrame(): Promise<void> {
    return new Promise((resolve) => {
      this.frameWaiters.push(resolve);
      this.requestRender();
    });
  }

  /** True when the last requested picture is on screen (or its preview, paused as too expensive). */
  get idle(): boolean {
    return this.frames > 0 && !this.busy && !this.scheduled && !this.pending;
  }

  /**
   * Where the computation of the picture on its way stands (null when the picture on screen is the one asked for, or
   * before the computation of the fields the settings ask for now has begun): paused or not, and the stride of the
   * finest grid done (0: none yet).
   */
  get progress(): (JobProgress & { readonly paused: boolean; readonly gridStride: number }) | null {
    const active = this.active;
    const progress = active?.computation.progress;
    if (!active || !progress || active.fieldsKey !== this.fieldsKeyNow()) return null;
    return { ...progress, paused: active.paused, gridStride: active.gridStride };
  }

  /** fieldsKey, or '' for settings the renderer refuses (the frame says why). */
  private fieldsKeyNow(): string {
    try {
      return this.fieldsKey(this.source.gpu());
    } catch {
      return '';
    }
  }

  /**
   * lastSummary while the fields the settings ask for now are those of the last picture answered (null from a change
   * of the fields asked for until their picture is done): what the finished picture cost.
   */
  get currentSummary(): FieldsSummary | null {
    return this.answeredKey === this.fieldsKeyNow() ? this.lastSummary : null;
  }

  /** The summary of the picture on screen: a preview's so far, else the last finished picture's. */
  get shownSummary(): FieldsSummary | null {
    const active = this.active;
    const progress = active?.computation.progress;
    if (!this.showingPreview || !active || !progress) return this.lastSummary;
    return this.source.gpu().renderer.summarize(progress.stats, active.computation.stored);
  }

  /** A new device replaced a lost one: what was made on the old one is gone. */
  deviceReplaced(): void {
    this.frameTexture = null;
    this.renderedView = null;
    this.active = null;
    this.busy = false;
    this.requestRender();
  }

  stop(): void {
    this.stopped = true;
  }

  /** Full detail for the picture on screen, which was paused as too expensive. */
  computeFullDetail(): void {
    this.confirmedKey = this.fieldsKey(this.source.gpu());
    this.requestRender();
  }

  /** Resolves when the finished picture the settings ask for now is on screen (computed in full if it was paused). */
  finishedPicture(): Promise<void> {
    if (this.idle && !this.showingPreview) return Promise.resolve();
    return new Promise((resolve) => {
      this.finishedWaiters.push(resolve);
      this.computeFullDetail();
    });
  }

  /** Identifies the fields the settings and the canvas ask for now. */
  private fieldsKey(gpu: Gpu): string {
    const { canvas } = this.source;
    return gpu.renderer.fieldsKey({ width: canvas.width, height: canvas.height }, this.source.renderSettings());
  }

  /** Identifies the picture the settings and the canvas ask for now (fields and colours). */
  private pictureKey(): string {
    const { canvas } = this.source;
    return JSON.stringify([this.source.renderSettings(), canvas.width, canvas.height]);
  }

  /**
   * Draws the last picture moved and scaled to the current view, at once: what the user sees while the picture of
   * the new view is computed.
   */
  private preview(): void {
    const texture = this.frameTexture;
    const from = this.renderedView;
    const { canvas } = this.source;
    if (!texture || !from || texture.width !== canvas.width || texture.height !== canvas.height) return;
    const gpu = this.source.gpu();
    const { device, blitPass, context } = gpu;
    if (!blitPass) {
      // Still being made (the first second of the app), or it failed: said once.
      if (gpu.blitFailure) this.source.error(`the preview pass could not be made: ${gpu.blitFailure}`);
      gpu.blitFailure = null;
      return;
    }
    // Its own error scope, pushed and popped synchronously: a frame's scopes may be open (it awaits the GPU).
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: 'App.preview' });
    const to = this.source.renderSettings().view;
    blitPass.encode(encoder, texture, from, to, context.getCurrentTexture().createView());
    device.queue.submit([encoder.finish()]);
    this.logPresent('moved', 0);
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
    const fieldsKey = this.fieldsKey(gpu);
    let active = this.active;
    if (active?.fieldsKey !== fieldsKey) {
      if (active) {
        // A paused preview's computation, of fields no longer asked for.
        active.computation.abandon();
        this.abandoned++;
        this.log('abandoned');
      }
      this.active = null;
      // A new view: the last picture, moved and scaled to it, is on screen at once (a finished picture as well as a
      // computation's preview), until the new view's first grid is done.
      const from = this.renderedView;
      const to = settings.view;
      if (from && (from.cx !== to.cx || from.cy !== to.cy || from.span !== to.span)) this.preview();
      const size = { width: texture.width, height: texture.height };
      const strides = this.strides(gpu, size);
      if (this.testHooks.tuning) gpu.renderer.tuning = this.testHooks.tuning;
      const computation = await gpu.renderer.beginFields(size, settings, strides);
      const start = performance.now();
      active = computation ? { fieldsKey, computation, start, shown: false, gridStride: 0, paused: false } : null;
      this.active = active;
    }
    if (active) {
      if (active.paused && this.confirmedKey === fieldsKey) active.paused = false;
      if (!active.paused) {
        const outcome = await this.compute(gpu, active, texture);
        if (outcome === 'abandoned') return;
      }
      if (active.paused) {
        // The preview is the answer until the user asks for more: shown with the current colour settings.
        await this.testHooks.gate;
        if (!(await this.present(gpu, texture, active.computation))) return;
        this.finishFrame({ ms: performance.now() - active.start, computedFields: true }, 'paused');
        return;
      }
      this.active = null;
      this.lastSummary = await gpu.renderer.fieldsSummary();
      this.lastTheoremIntegral = await gpu.renderer.theoremIntegral();
    }
    await this.testHooks.gate;
    const start = active?.start ?? performance.now();
    this.answeredKey = fieldsKey;
    if (!(await this.present(gpu, texture, null))) return;
    this.finishFrame({ ms: performance.now() - start, computedFields: active !== null }, 'shown');
  }

  private finishFrame(frame: FrameResult, outcome: 'shown' | 'paused'): void {
    this.lastFrame = frame;
    this.log(outcome);
    this.frames++;
    for (const waiting of this.frameWaiters.splice(0)) waiting();
    if (outcome === 'shown') for (const waiting of this.finishedWaiters.splice(0)) waiting();
    this.source.shown();
  }

  /**
   * Steps a computation until it is done, given up (the fields asked for changed) or paused (the rest would take
   * longer than kConfirmMs and nobody asked for it). Shows each finished grid, and re-colours what is done when only
   * colour settings changed.
   */
  private async compute(gpu: Gpu, active: Active, texture: GPUTexture): Promise<'done' | 'abandoned' | 'paused'> {
    const { computation, fieldsKey } = active;
    const first = computation.progress;
    if (first?.strideDone && !active.shown) {
      // A first grid done before any step (the CPU's, while the shaders compile): on screen at once.
      active.shown = true;
      active.gridStride = first.stride;
      await this.present(gpu, texture, computation);
    }
    for (;;) {
      const progress = await computation.step(this.testHooks.budgetMs ?? kStepMs);
      this.source.shown();
      await this.testHooks.gate;
      if (this.fieldsKey(gpu) !== fieldsKey) {
        computation.abandon();
        if (this.active === active) this.active = null;
        this.abandoned++;
        this.log('abandoned');
        return 'abandoned';
      }
      if (progress.done) return 'done';
      if (progress.strideDone) {
        active.shown = true;
        active.gridStride = progress.stride;
      }
      if (active.shown && (progress.strideDone || this.pictureKey() !== this.presentedKey)) {
        await this.present(gpu, texture, computation);
      }
      // A picture gets kConfirmMs of computing unasked: before a grid that would end later, keep this picture until
      // the user asks for full detail.
      const elapsed = performance.now() - active.start;
      const confirmMs = this.testHooks.confirmMs ?? kConfirmMs;
      if (active.shown && elapsed + progress.gridMs > confirmMs && this.confirmedKey !== fieldsKey) {
        active.paused = true;
        return 'paused';
      }
    }
  }

  /** Colours the front fields (or the computation's so far) into the frame texture and presents it. */
  private async present(gpu: Gpu, texture: GPUTexture, computation: Computation | null): Promise<boolean> {
    // Present only a frame that rendered without errors (the previous picture stays otherwise), and only at the
    // canvas's size now: a resize during the frame's awaits makes it stale, and a new frame is on its way.
    const current = gpu.context.getCurrentTexture();
    if (current.width !== texture.width || current.height !== texture.height) {
      this.pending = true;
      return false;
    }
    const settings = this.source.renderSettings();
    const key = this.pictureKey();
    await withErrorScopes(gpu.device, 'presenting a frame', () => {
      const encoder = gpu.device.createCommandEncoder({ label: 'App.present' });
      gpu.renderer.encodeColour(encoder, texture, settings, computation);
      encoder.copyTextureToTexture({ texture }, { texture: current }, [texture.width, texture.height]);
      gpu.device.queue.submit([encoder.finish()]);
    });
    this.renderedView = computation?.stored.view ?? settings.view;
    this.presentedKey = key;
    this.logPresent(computation ? 'coarse' : 'finished', computation?.progress?.stride ?? 1);
    this.showingPreview = computation !== null;
    return true;
  }

  /** The grids a new picture is computed on, coarsest first: the first about kFirstPictureMs long. */
  private strides(gpu: Gpu, size: ImageSize): number[] {
    const firstMs = this.testHooks.firstPictureMs ?? kFirstPictureMs;
    return gpu.renderer.gridStrides(size, this.source.renderSettings().algorithm ?? 'fast', firstMs, kMaxStride);
  }

  private logPresent(kind: PresentRecord['kind'], stride: number): void {
    const record: PresentRecord = { at: performance.now(), done: null, kind, stride };
    void this.source
      .gpu()
      .device.queue.onSubmittedWorkDone()
      .then(() => {
        record.done = performance.now();
      });
    this.presentLog.push(record);
    this.presentLog.splice(0, Math.max(0, this.presentLog.length - kFrameLog));
  }

  private log(outcome: 'abandoned' | 'shown' | 'paused'): void {
    this.frameLog.push({ span: this.source.renderSettings().view.span, outcome });
    this.frameLog.splice(0, Math.max(0, this.frameLog.length - kFrameLog));
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
