/**
 * The app: settings -> net -> renderer -> canvas, on demand. One settings object drives the GUI and the URL;
 * every change goes through `update`, which rebuilds only what it invalidates and keeps the previous net, settings
 * and picture when the new ones fail. The GPU (gpuContext.ts), the frames (frameScheduler.ts) and the URL
 * (urlState.ts) each have their own module.
 */
import { kPixelField, structSize } from '../gpu/layout.ts';
import type { FieldsData, RenderSettings } from '../gpu/renderer.ts';
import { depthOf, graphOf, isGraph, type Network, neuronTotal, outputsOf, stageWidths } from '../model/graph/graph.ts';
import { hiddenWidths } from '../model/net.ts';
import { resolveNet, settingsNetSource } from '../model/netSource.ts';
import { type Plane, type SlicedNetwork, seeNetworkThrough, viewOfMarks } from '../model/plane.ts';
import type { ImageSize, View } from '../model/view.ts';
import {
  clampUnit,
  cloneSettings,
  kDefaultSettings,
  layersShown,
  type Settings,
  settingsFromHash,
} from '../settings/settings.ts';
import { bundledNet, NeedsData, withDigits } from './appData.ts';
import { FrameScheduler } from './frameScheduler.ts';
import { createGpu, type Gpu, watchGpu } from './gpuContext.ts';
import type { Messages } from './messages.ts';
import { browserDigits } from './mnistData.ts';
import { contentId, keepNet, loadStoredNet, storeNet } from './netStore.ts';
import { type HashPart, UrlState } from './urlState.ts';

/** Whether two planes mark the same points. */
function sameMarks(a: Plane | null, b: Plane | null): boolean {
  return JSON.stringify(a?.marks ?? []) === JSON.stringify(b?.marks ?? []);
}

const kNetKeys = ['widths', 'sigmaB', 'seed', 'outputs', 'net', 'plane'] as const;

export interface AppListener {
  /** Called after the settings changed (the GUI refreshes itself). */
  settingsChanged?(settings: Settings, depth: number): void;
  /** Called when a frame is on screen (the readout refreshes). */
  frameShown?(): void;
}

export class App {
  settings: Settings;
  /** The net every pass and analysis draws: the net as read, folded with its plane (2 inputs). */
  net: Network;
  /** The net as read (any input dimension) and the plane it is seen through (null: its own input plane). */
  sliced: SlicedNetwork;
  readonly listeners: AppListener[] = [];
  readonly scheduler: FrameScheduler;
  private readonly url: UrlState;
  private destroyed = false;
  /** The canvas has been sized to its window (until then it has the canvas's default 300 x 150). */
  private sized = false;

  private constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly messages: Messages,
    private gpu: Gpu,
    settings: Settings,
    sliced: SlicedNetwork,
  ) {
    this.settings = settings;
    this.sliced = sliced;
    this.net = sliced.net;
    this.scheduler = new FrameScheduler({
      gpu: () => this.gpu,
      canvas,
      renderSettings: () => this.renderSettings(),
      error: (text) => messages.error(text),
      shown: () => {
        for (const listener of this.listeners) listener.frameShown?.();
      },
    });
    watchGpu(gpu, canvas, {
      error: (text) => messages.error(text),
      net: () => this.net,
      ended: () => this.destroyed,
      replaced: (next) => {
        this.gpu = next;
        this.scheduler.deviceReplaced();
      },
    });
    this.url = new UrlState(
      () => this.settings,
      (next, urlMessages) => {
        for (const message of urlMessages) this.messages.error(`URL: ${message}`);
        this.update(next);
      },
    );
  }

  static async start(canvas: HTMLCanvasElement, messages: Messages): Promise<App> {
    const gpu = await createGpu(canvas);
    performance.mark('reluscope:gpu');
    const { settings, messages: urlMessages } = settingsFromHash(location.hash);
    for (const message of urlMessages) messages.error(`URL: ${message}`);
    // Shaders compiled while the net is made and the panels are built.
    gpu.renderer.prepare(settings.mode);
    let sliced: SlicedNetwork;
    try {
      sliced = await App.netWithData(settings);
      gpu.renderer.setNet(sliced.net);
    } catch (error) {
      messages.error(`${(error as Error).message}; showing the default net instead`);
      const { widths, sigmaB, seed, outputs } = kDefaultSettings;
      Object.assign(settings, { widths: [...widths], sigmaB, seed, outputs, net: '', plane: '' });
      sliced = App.netFor(settings);
      gpu.renderer.setNet(sliced.net);
    }
    performance.mark('reluscope:net');
    if (settings.net !== '') settings.widths = stageWidths(sliced.model);
    settings.plane = sliced.spec;
    const given = new URLSearchParams(location.hash.replace(/^#/, ''));
    const framed =
      given.has('cx') || given.has('span')
        ? null
        : viewOfMarks(sliced.plane, canvas.clientWidth / Math.max(1, canvas.clientHeight));
    if (framed) Object.assign(settings, framed);
    const app = new App(canvas, messages, gpu, settings, sliced);
    app.settings.layers = app.clampLayers(app.settings.layers);
    app.settings.unit = app.clampUnit(app.settings.unit);
    app.url.write(app.settings);
    return app;
  }

  /**
   * The net a settings object names: a built-in preset, a net stored in this browser, or the seeded random net,
   * through the one net resolver. Throws with a message.
   */
  private static modelFor(settings: Settings): Network {
    const source = settingsNetSource(settings);
    if (source.kind === 'stored') return loadStoredNet(source.id);
    return source.kind === 'bundled' ? bundledNet(source.name) : resolveNet(source);
  }

  /** The net the settings name, seen through their plane. */
  private static netFor(settings: Settings, model = App.modelFor(settings)): SlicedNetwork {
    return withDigits(() => seeNetworkThrough(model, settings.plane, browserDigits));
  }

  /** netFor, after loading the data it needs (MNIST digits, a bundled model). */
  private static async netWithData(settings: Settings): Promise<SlicedNetwork> {
    for (;;) {
      try {
        return App.netFor(settings);
      } catch (error) {
        if (!(error instanceof NeedsData)) throw error;
        await error.load();
      }
    }
  }

  /** Adds a part's keys to the URL hash (urlState.ts); returns what writes the hash again when they change. */
  addHashPart(part: HashPart): () => void {
    this.url.addPart(part);
    const write = () => this.url.write(this.settings);
    write();
    return write;
  }

  get view(): View {
    return { cx: this.settings.cx, cy: this.settings.cy, span: this.settings.span };
  }

  get size(): ImageSize {
    return { width: this.canvas.width, height: this.canvas.height };
  }

  /** Whether `size` is the picture's: false until the first resize. */
  get sizeKnown(): boolean {
    return this.sized;
  }

  get gpuDevice(): GPUDevice {
    return this.gpu.device;
  }

  /** Applies a change of settings. Returns false (and changes nothing) if the net it asks for cannot be shown. */
  update(patch: Partial<Settings>): boolean {
    const next = cloneSettings({ ...this.settings, ...patch });
    if (patch.widths || patch.sigmaB !== undefined || patch.seed !== undefined || patch.outputs !== undefined) {
      if (patch.net === undefined) next.net = '';
    }
    const netChanged = kNetKeys.some((key) => JSON.stringify(next[key]) !== JSON.stringify(this.settings[key]));
    if (netChanged) {
      try {
        const model = App.modelFor(next);
        // A net of other inputs than the one shown is seen through its default plane, unless the change names one.
        if (patch.plane === undefined && model.inputDim !== this.sliced.model.inputDim) next.plane = '';
        const sliced = App.netFor(next, model);
        this.gpu.renderer.setNet(sliced.net);
        const planeMoved = next.plane !== this.settings.plane || !sameMarks(sliced.plane, this.sliced.plane);
        this.sliced = sliced;
        this.net = sliced.net;
        if (next.net !== '') next.widths = stageWidths(sliced.model);
        next.plane = sliced.spec;
        // A new plane through data points is framed to show them, unless the change names the view.
        const framed = planeMoved && patch.cx === undefined && patch.span === undefined;
        if (framed) Object.assign(next, viewOfMarks(sliced.plane, this.canvas.width / this.canvas.height) ?? {});
      } catch (error) {
        if (error instanceof NeedsData) {
          this.messages.note(`${error.message}…`);
          error.load().then(
            () => this.update(patch),
            (failure: Error) => this.messages.error(`${failure.message}; the previous net stays`),
          );
          return true;
        }
        this.messages.error(`${(error as Error).message}; the previous net stays`);
        this.notify();
        return false;
      }
    }
    next.layers = this.clampLayers(next.layers);
    next.unit = this.clampUnit(next.unit);
    this.settings = next;
    this.url.write(this.settings);
    this.notify();
    this.scheduler.requestRender();
    return true;
  }

  /** Layers shown, at most the net's depth: a clamp says so. */
  private clampLayers(layers: number): number {
    const depth = depthOf(this.net);
    if (layers <= depth) return layers;
    this.messages.note(`layers=${layers}: the net has ${depth} hidden layers; showing all ${depth}`);
    return depth;
  }

  /** The output unit, at most the net's last: a clamp says so. */
  private clampUnit(unit: number): number {
    const { value, message } = clampUnit(unit, outputsOf(this.net));
    if (message) this.messages.note(message);
    return value;
  }

  private notify(): void {
    for (const listener of this.listeners) listener.settingsChanged?.(this.settings, depthOf(this.net));
  }

  /** Hidden layers that make the partition shown. */
  get layers(): number {
    return layersShown(this.settings, depthOf(this.net));
  }

  /**
   * The fields of the picture the settings ask for (the analysis panel's pixel counts and distances), computed in
   * full first if the picture on screen is a preview.
   */
  async readFields(): Promise<FieldsData> {
    await this.scheduler.finishedPicture();
    return this.gpu.renderer.readFields();
  }

  setView(view: View): void {
    this.update({ cx: view.cx, cy: view.cy, span: view.span });
  }

  /** The default view, or for a plane through data points the view that frames them (as a new plane is framed). */
  resetView(): void {
    const framed = viewOfMarks(this.sliced.plane, this.canvas.width / Math.max(1, this.canvas.height));
    this.update(framed ?? { cx: kDefaultSettings.cx, cy: kDefaultSettings.cy, span: kDefaultSettings.span });
  }

  /** Shows a net read from a file; keeps it in this browser so that the URL reproduces it. */
  showLoadedNet(net: Network, text: string, name: string): boolean {
    const id = contentId(text);
    if (!storeNet(id, text))
      this.messages.note(`${name} is too large to keep in this browser: a reload will not find it`);
    const previous = this.settings.net;
    keepNet(id, net);
    const shown = this.update({ net: id, widths: stageWidths(net), layers: 0 });
    const what = isGraph(net)
      ? `a graph of ${net.ops.length} operations, stages ${stageWidths(net).join(',')}`
      : hiddenWidths(net).join(',');
    if (shown && previous !== id) this.messages.note(`loaded ${name}: ${what} (${neuronTotal(graphOf(net))} neurons)`);
    return shown;
  }

  renderSettings(): RenderSettings {
    return {
      view: this.view,
      layersShown: this.layers,
      mode: this.settings.mode,
      palette: this.settings.palette,
      edgeWidth: this.settings.edgeWidth,
      algorithm: this.settings.algorithm,
      sigmaB: this.settings.sigmaB,
      outputUnit: this.settings.unit,
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
    this.sized = true;
    if (w === this.canvas.width && h === this.canvas.height) return;
    if (scale < 1) {
      this.messages.note(
        `this GPU draws at most ${w}×${h} pixels for a ${width}×${height} window: the picture is scaled`,
      );
    }
    this.canvas.width = w;
    this.canvas.height = h;
    this.scheduler.requestRender();
  }

  // The frame state, as the tests and the readout read it.
  get frames(): number {
    return this.scheduler.frames;
  }
  get lastFrame() {
    return this.scheduler.lastFrame;
  }
  get lastSummary() {
    return this.scheduler.lastSummary;
  }
  get lastTheoremIntegral(): number | null {
    return this.scheduler.lastTheoremIntegral;
  }
  get abandoned(): number {
    return this.scheduler.abandoned;
  }
  get frameLog() {
    return this.scheduler.frameLog;
  }
  get testHooks() {
    return this.scheduler.testHooks;
  }
  get idle(): boolean {
    return this.scheduler.idle;
  }
  nextFrame(): Promise<void> {
    return this.scheduler.nextFrame();
  }
  readPixels(): Promise<{ width: number; height: number; rgba: Uint8Array }> {
    return this.scheduler.readPixels();
  }

  destroy(): void {
    this.destroyed = true;
    this.scheduler.stop();
    this.gpu.renderer.destroy();
    this.gpu.device.destroy();
  }
}
