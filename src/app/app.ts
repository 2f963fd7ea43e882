/**
 * The app: settings -> net -> renderer -> canvas, on demand. One settings object drives the GUI and the URL;
 * every change goes through `update`, which rebuilds only what it invalidates and keeps the previous net, settings
 * and picture when the new ones fail.
 */
import { BlitPass } from '../gpu/blitPass.ts';
import { GpuError, requestDevice, withErrorScopes } from '../gpu/device.ts';
import { kPixelField, kTileSide, structSize } from '../gpu/layout.ts';
import { readTexture } from '../gpu/readback.ts';
import { type FieldsCost, type FieldsData, type FrameResult, Renderer, type RenderSettings } from '../gpu/renderer.ts';
import type { Net } from '../model/net.ts';
import { hiddenWidths, neuronCount } from '../model/net.ts';
import { resolveNet } from '../model/netSource.ts';
import { parsePreset } from '../model/presetSpec.ts';
import type { ImageSize, View } from '../model/view.ts';
import type { Messages } from './messages.ts';
import { contentId, loadStoredNet, storeNet } from './netStore.ts';
import {
  cloneSettings,
  kDefaultSettings,
  layersShown,
  type Settings,
  settingsFromHash,
  settingsToHash,
} from './settings.ts';

const kNetKeys = ['widths', 'sigmaB', 'seed', 'net'] as const;
const kFrameLog = 100;
/** Target duration of one submission of the fast pass while interacting. */
const kStepMs = 40;

interface Gpu {
  device: GPUDevice;
  renderer: Renderer;
  blitPass: BlitPass;
  context: GPUCanvasContext;
}

export interface AppListener {
  /** Called after the settings changed (the GUI refreshes itself). */
  settingsChanged(settings: Settings, depth: number): void;
}

export class App {
  settings: Settings;
  net: Net;
  frames = 0;
  lastFrame: FrameResult | null = null;
  lastCost: FieldsCost | null = null;
  /** The theorem's predicted boundary length of the last computed view (theorem mode; null otherwise). */
  lastTheoremIntegral: number | null = null;
  /** Frames given up because the view or settings changed while they were computed. */
  abandoned = 0;
  /** The last kFrameLog frames, for tests and debugging. */
  readonly frameLog: { span: number; outcome: 'abandoned' | 'shown' }[] = [];
  private renderedView: View | null = null;
  private readonly wakeUp = new MessageChannel();
  private readonly frameWaiters: (() => void)[] = [];
  private stepTiles = 64;
  readonly listeners: AppListener[] = [];
  /** For tests: tiles per step instead of the adaptive count, and a promise each step and each present wait for. */
  readonly testHooks: { stepTiles: number | null; gate: Promise<void> | null } = { stepTiles: null, gate: null };
  private gpu: Gpu;
  private frameTexture: GPUTexture | null = null;
  private scheduled = false;
  private busy = false;
  private pending = false;
  private destroyed = false;

  private constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly messages: Messages,
    gpu: Gpu,
    settings: Settings,
    net: Net,
  ) {
    this.gpu = gpu;
    this.settings = settings;
    this.net = net;
    this.watchDevice();
    this.watchErrors(gpu.device);
    this.wakeUp.port1.onmessage = () => {
      this.scheduled = false;
      void this.frame();
    };
  }

  static async start(canvas: HTMLCanvasElement, messages: Messages): Promise<App> {
    const gpu = await App.createGpu(canvas);
    const { settings, messages: urlMessages } = settingsFromHash(location.hash);
    for (const message of urlMessages) messages.error(`URL: ${message}`);
    let net: Net;
    try {
      net = App.netFor(settings);
      gpu.renderer.setNet(net);
    } catch (error) {
      messages.error(`${(error as Error).message}; showing the default net instead`);
      Object.assign(settings, {
        widths: [...kDefaultSettings.widths],
        sigmaB: kDefaultSettings.sigmaB,
        seed: kDefaultSettings.seed,
        net: '',
      });
      net = App.netFor(settings);
      gpu.renderer.setNet(net);
    }
    if (settings.net !== '') settings.widths = hiddenWidths(net);
    const app = new App(canvas, messages, gpu, settings, net);
    app.settings.layers = Math.min(app.settings.layers, net.hidden.length);
    app.writeUrl();
    window.addEventListener('hashchange', () => app.applyHash());
    return app;
  }

  private static async createGpu(canvas: HTMLCanvasElement): Promise<Gpu> {
    const device = await requestDevice(navigator.gpu);
    const context = canvas.getContext('webgpu');
    if (!context) throw new GpuError('the canvas has no WebGPU context');
    const format = navigator.gpu.getPreferredCanvasFormat();
    context.configure({
      device,
      format,
      alphaMode: 'opaque',
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_DST,
    });
    const renderer = await Renderer.create(device, format);
    const blitPass = await BlitPass.create(device, format);
    return { device, renderer, blitPass, context };
  }

  /** GPU errors outside every error scope (none are expected): shown, never silent. */
  private watchErrors(device: GPUDevice): void {
    device.addEventListener('uncapturederror', (event) => {
      this.messages.error(`GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
    });
  }

  /**
   * The net a settings object names: a built-in preset, a net stored in this browser, or the seeded random net,
   * through the one net resolver. Throws with a message.
   */
  private static netFor(settings: Settings): Net {
    if (settings.net !== '' && parsePreset(settings.net) === null) return loadStoredNet(settings.net);
    if (settings.net !== '') return resolveNet({ kind: 'preset', name: settings.net });
    const { widths, sigmaB, seed } = settings;
    return resolveNet({ kind: 'random', spec: { widths, sigmaB, seed } });
  }

  get view(): View {
    return { cx: this.settings.cx, cy: this.settings.cy, span: this.settings.span };
  }

  get size(): ImageSize {
    return { width: this.canvas.width, height: this.canvas.height };
  }

  get gpuDevice(): GPUDevice {
    return this.gpu.device;
  }

  /** Applies a change of settings. Returns false (and changes nothing) if the net it asks for cannot be shown. */
  update(patch: Partial<Settings>): boolean {
    const next = cloneSettings({ ...this.settings, ...patch });
    if (patch.widths || patch.sigmaB !== undefined || patch.seed !== undefined) {
      if (patch.net === undefined) next.net = '';
    }
    const netChanged = kNetKeys.some((key) => JSON.stringify(next[key]) !== JSON.stringify(this.settings[key]));
    if (netChanged) {
      try {
        const net = App.netFor(next);
        this.gpu.renderer.setNet(net);
        this.net = net;
        if (next.net !== '') next.widths = hiddenWidths(net);
      } catch (error) {
        this.messages.error(`${(error as Error).message}; the previous net stays`);
        this.notify();
        return false;
      }
    }
    next.layers = Math.min(next.layers, this.net.hidden.length);
    this.settings = next;
    this.writeUrl();
    this.notify();
    this.requestRender();
    return true;
  }

  private notify(): void {
    for (const listener of this.listeners) listener.settingsChanged(this.settings, this.net.hidden.length);
  }

  /** Hidden layers that make the partition shown. */
  get layers(): number {
    return layersShown(this.settings, this.net.hidden.length);
  }

  /** The fields of the picture on screen (the analysis panel's pixel counts and distances). */
  readFields(): Promise<FieldsData> {
    return this.gpu.renderer.readFields();
  }

  setView(view: View): void {
    this.update({ cx: view.cx, cy: view.cy, span: view.span });
  }

  resetView(): void {
    this.update({ cx: kDefaultSettings.cx, cy: kDefaultSettings.cy, span: kDefaultSettings.span });
  }

  /** Shows a net read from a file; keeps it in this browser so that the URL reproduces it. */
  showLoadedNet(net: Net, text: string, name: string): boolean {
    const id = contentId(text);
    if (!storeNet(id, text))
      this.messages.note(`${name} is too large to keep in this browser: a reload will not find it`);
    const previous = this.settings.net;
    const shown = this.update({ net: id, widths: hiddenWidths(net), layers: 0 });
    if (shown && previous !== id)
      this.messages.note(`loaded ${name}: ${hiddenWidths(net).join(',')} (${neuronCount(net)} neurons)`);
    return shown;
  }

  private applyHash(): void {
    if (location.hash === settingsToHash(this.settings)) return;
    const { settings, messages } = settingsFromHash(location.hash, this.settings);
    for (const message of messages) this.messages.error(`URL: ${message}`);
    this.update(settings);
  }

  private writeUrl(): void {
    const hash = settingsToHash(this.settings);
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  renderSettings(): RenderSettings {
    return {
      view: this.view,
      layersShown: layersShown(this.settings, this.net.hidden.length),
      mode: this.settings.mode,
      palette: this.settings.palette,
      edgeWidth: this.settings.edgeWidth,
      algorithm: this.settings.algorithm,
      sigmaB: this.settings.sigmaB,
    };
  }

  /** Canvas size in device pixels, clamped to what the device can hold. */
  resize(width: number, height: number): void {
    const limits = this.gpu.device.limits;
    let scale = Math.min(1, limits.maxTextureDimension2D / Math.max(width, height));
    const maxPixels = Math.floor(limits.maxStorageBufferBindingSize / structSize(kPixelField));
    if (width * height * scale * scale > maxPixels) scale = Math.sqrt(maxPixels / (width * height));
    const w = Math.max(1, Math.floor(width * scale));
    const h = Math.max(1, Math.floor(height * scale));
    if (w === this.canvas.width && h === this.canvas.height) return;
    this.canvas.width = w;
    this.canvas.height = h;
    this.requestRender();
  }

  requestRender(): void {
    if (this.scheduled || this.destroyed) return;
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

  /** Identifies the picture the settings and the canvas ask for now. */
  private pictureKey(): string {
    return JSON.stringify([this.renderSettings(), this.canvas.width, this.canvas.height]);
  }

  /**
   * Draws the last finished picture moved and scaled to the current view, at once: what the user sees while the
   * picture of the new view is computed (a big net on a slow GPU takes seconds).
   */
  private preview(): void {
    const texture = this.frameTexture;
    const from = this.renderedView;
    if (!texture || !from || texture.width !== this.canvas.width || texture.height !== this.canvas.height) return;
    // Its own error scope, pushed and popped synchronously: a frame's scopes may be open (it awaits the GPU).
    this.gpu.device.pushErrorScope('validation');
    const encoder = this.gpu.device.createCommandEncoder({ label: 'App.preview' });
    this.gpu.blitPass.encode(encoder, texture, from, this.view, this.gpu.context.getCurrentTexture().createView());
    this.gpu.device.queue.submit([encoder.finish()]);
    void this.gpu.device.popErrorScope().then((error) => {
      if (error) this.messages.error(`preview failed: ${error.message}`);
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
      const texture = this.ensureFrameTexture();
      const settings = this.renderSettings();
      const key = this.pictureKey();
      const frame = await this.gpu.renderer.render(texture, settings, {
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
        this.lastCost = await this.gpu.renderer.fieldsCost();
        this.lastTheoremIntegral = await this.gpu.renderer.theoremIntegral();
        // Steps of about kStepMs keep the queue short, so that previews and input are never behind by more.
        const tiles = Math.ceil(texture.width / kTileSide) * Math.ceil(texture.height / kTileSide);
        const msPerTile = frame.gpuMs / tiles;
        this.stepTiles = Math.max(4, Math.min(65535, Math.round(kStepMs / Math.max(msPerTile, 1e-3))));
      }
      this.renderedView = settings.view;
      await this.testHooks.gate;
      // Present only a frame that rendered without errors (the previous picture stays otherwise), and only at the
      // canvas's size now: a resize during the frame's awaits makes it stale, and a new frame is on its way.
      const current = this.gpu.context.getCurrentTexture();
      if (current.width !== texture.width || current.height !== texture.height) {
        this.pending = true;
        return;
      }
      await withErrorScopes(this.gpu.device, 'presenting a frame', () => {
        const encoder = this.gpu.device.createCommandEncoder({ label: 'App.present' });
        encoder.copyTextureToTexture({ texture }, { texture: current }, [texture.width, texture.height]);
        this.gpu.device.queue.submit([encoder.finish()]);
      });
      this.frames++;
      for (const waiting of this.frameWaiters.splice(0)) waiting();
    } catch (error) {
      this.messages.error(`rendering failed: ${(error as Error).message}`);
    } finally {
      this.busy = false;
      if (this.pending) {
        this.pending = false;
        this.requestRender();
      }
    }
  }

  private ensureFrameTexture(): GPUTexture {
    const { width, height } = this.canvas;
    if (this.frameTexture?.width === width && this.frameTexture.height === height) return this.frameTexture;
    this.frameTexture?.destroy();
    this.frameTexture = this.gpu.device.createTexture({
      label: 'App.frameTexture',
      size: [width, height],
      format: this.gpu.renderer.format,
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC | GPUTextureUsage.TEXTURE_BINDING,
    });
    return this.frameTexture;
  }

  /** The pixels on screen, as RGBA bytes (tests and the CLI). */
  async readPixels(): Promise<{ width: number; height: number; rgba: Uint8Array }> {
    const texture = this.frameTexture;
    if (!texture) throw new GpuError('nothing rendered yet');
    const { width, height } = texture;
    const texels = await readTexture(this.gpu.device, texture);
    // The canvas format may be BGRA: swap to RGBA.
    const rgba = new Uint8Array(texels.length);
    const [red, blue] = this.gpu.renderer.format === 'bgra8unorm' ? [2, 0] : [0, 2];
    for (let i = 0; i < texels.length; i += 4) {
      rgba[i] = texels[i + red] ?? 0;
      rgba[i + 1] = texels[i + 1] ?? 0;
      rgba[i + 2] = texels[i + blue] ?? 0;
      rgba[i + 3] = texels[i + 3] ?? 0;
    }
    return { width, height, rgba };
  }

  /** Device loss (driver reset, GPU process crash): re-create the device and everything on it, keep the settings. */
  private watchDevice(): void {
    const device = this.gpu.device;
    void device.lost.then(async (info) => {
      // Only App.destroy ends the app; any other loss, even a destroy() from elsewhere, is recovered from.
      if (this.destroyed) return;
      this.messages.error(`the GPU device was lost (${info.message || 'no reason given'}); re-creating it`);
      try {
        const gpu = await App.createGpu(this.canvas);
        gpu.renderer.setNet(this.net);
        this.gpu = gpu;
        this.watchErrors(gpu.device);
        this.frameTexture = null;
        this.renderedView = null;
        this.busy = false;
        this.watchDevice();
        this.requestRender();
      } catch (error) {
        this.messages.error(`could not re-create the GPU device: ${(error as Error).message}`);
      }
    });
  }

  destroy(): void {
    this.destroyed = true;
    this.gpu.renderer.destroy();
    this.gpu.device.destroy();
  }
}
