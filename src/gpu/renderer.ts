/**
 * The one renderer, shared by the app, the CLI and the tests: (net, view, settings) -> fields -> colours.
 * It recomputes the fields only when what they depend on changed (net, view, size, layers, output or theorem
 * needed); colour settings alone re-run only the colour pass. A computation (fieldsJob.ts) writes the back buffers,
 * coarse to fine and in bounded steps when asked; the buffers swap when it completes, so an abandoned one never
 * spoils the last complete fields, and a half-done one can be shown (its coarsest pixels stand in for the rest).
 */
import { type BalancedNet, balanceNet, scaleByPowerOfTwo } from '../model/balance.ts';
import type { Net } from '../model/net.ts';
import { neuronCount, outputCount } from '../model/net.ts';
import { type ImageSize, pixelSize, type View } from '../model/view.ts';
import { ColourPass, type ColourSettings, type ColourSource } from './colourPass.ts';
import { GpuError, withErrorScopes } from './device.ts';
import { FieldsJob, type JobProgress, Pace } from './fieldsJob.ts';
import { FieldsPass } from './fieldsPass.ts';
import type { FieldsRequest, FieldsTarget } from './fieldsRequest.ts';
import {
  type Algorithm,
  type ColourMode,
  fromOrderedKey,
  kLabelsBase,
  kLabelWords,
  kMaxOutputs,
  kPixelField,
  kStat,
  kStatsWords,
  kTileSide,
  structSize,
} from './layout.ts';
import { encodeShift, exposedTiles, panShift } from './panReuse.ts';
import { decodeFields, type FieldsData, readBuffer, readTexture } from './readback.ts';
import { RegionsPass } from './regionsPass.ts';

export type { FieldsData, JobProgress };

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
  /** The output unit of the output mode (0 by default; clamped to the net's units). */
  readonly outputUnit?: number;
}

export interface RenderSettings extends ColourSettings, FieldsSettings {}

export interface FrameResult {
  /** Wall-clock milliseconds from the start of render() (the float64 view upload included) until the GPU finished. */
  readonly ms: number;
  /** Whether the fields were recomputed (false: colours only). */
  readonly computedFields: boolean;
}

/** What the last fields computation cost. */
export interface FieldsSummary {
  readonly pixels: number;
  /** Full network evaluations (brute force: one a pixel). */
  readonly evaluations: number;
  /** Pixels moved from the previous fields instead of computed (pan reuse). */
  readonly reusedPixels: number;
  /**
   * The least and largest output over the pixels (null when the output was not computed); in the decision mode, of
   * the class, over the pixels computed (those moved by a pan reuse are not counted).
   */
  readonly outputRange: readonly [number, number] | null;
  /** The largest theorem integrand over the pixels, per input unit (null outside theorem mode). */
  readonly theoremMax: number | null;
}

/** A pair of per-pixel buffers: the fields records, and the theorem mode's integrand. */
interface Slot {
  readonly fields: GPUBuffer;
  readonly theorem: GPUBuffer;
}

/** What the front buffers hold. */
interface Stored {
  readonly key: string;
  /** The same without the output and the theorem's integrand: fields that have them serve requests without them. */
  readonly coreKey: string;
  /** What the records' output holds: null (nothing), `unit K`, or `decision` (the class). */
  readonly output: string | null;
  readonly theoremSigmaB: number | undefined;
  /** The same but for the view: pan reuse needs it equal. */
  readonly reuseKey: string;
  readonly size: ImageSize;
  readonly imageSize: ImageSize;
  readonly view: View;
  readonly theorem: boolean;
  readonly reusedPixels: number;
}

/** A computation of the fields in progress, from Renderer.beginFields. */
export interface Computation {
  readonly strides: readonly number[];
  /** What the fields will hold. */
  readonly stored: Stored;
  /** Where it stands after its last step (null before the first). */
  readonly progress: JobProgress | null;
  /** One bounded step (null: the rest of the current stride); the fields swap to the front when the last ends. */
  step(budgetMs: number | null): Promise<JobProgress>;
  /** Gives the computation up; the front fields stay as they were. */
  abandon(): void;
}

export class Renderer {
  private net: Net | null = null;
  /** Counts the nets set: part of the fields' key. */
  private netVersion = 0;
  /** What the passes draw: the net balanced (exactly the same partition and distances, numbers near 1). */
  private balanced: BalancedNet | null = null;
  private stored: Stored | null = null;
  private front: Slot | null = null;
  private back: Slot | null = null;
  /**
   * What the computation in progress counts (kStatsWords words), then which pixels of the back buffers it did
   * (from word kLabelsBase: kLabelWords words a tile, then a word a tile). Sized with the image.
   */
  private counters: GPUBuffer | null = null;
  /** The computation writing the back buffers, if any. */
  private running: (Computation & { readonly stored: Stored }) | null = null;
  /** The device's speed, learnt from the steps of every computation. */
  readonly pace = { fast: new Pace(), brute: new Pace() };
  /** Tests: the longest a region-seeded evaluation may take in a step (else fieldsJob.ts's kMaxSeedMs). */
  maxSeedMs: number | undefined = undefined;

  private constructor(
    readonly device: GPUDevice,
    readonly format: GPUTextureFormat,
    private readonly fieldsPass: FieldsPass,
    private readonly regionsPass: RegionsPass,
    private readonly colourPass: ColourPass,
    /** The statistics of the front fields: copied when a computation completes; the colour pass reads them. */
    private readonly frontStats: GPUBuffer,
  ) {}

  static async create(device: GPUDevice, format: GPUTextureFormat = 'rgba8unorm'): Promise<Renderer> {
    const frontStats = device.createBuffer({
      label: 'Renderer.frontStats',
      size: kStatsWords * 4,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
    });
    const [fieldsPass, regionsPass] = await withErrorScopes(device, 'creating the fields passes', () => [
      new FieldsPass(device),
      new RegionsPass(device),
    ]);
    const colourPass = await ColourPass.create(device, format);
    return new Renderer(device, format, fieldsPass, regionsPass, colourPass, frontStats);
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
    this.netVersion++;
    this.invalidateFields();
  }

  get currentNet(): Net | null {
    return this.net;
  }

  /** Multiply-adds of one full evaluation (with tangents) of the current net: the unit of the cost estimates. */
  get macsPerEvaluation(): number {
    return this.balanced ? 3 * this.balanced.net.hidden.reduce((s, l) => s + l.inDim * l.outDim, 0) : 0;
  }

  /** Bind groups the region-seeded pass keeps (tests check that they do not pile up). */
  get regionsBindGroups(): number {
    return this.regionsPass.bindGroupCount;
  }

  /** Pixels the last fields computation moved instead of computing. */
  get reusedPixels(): number {
    return this.stored?.reusedPixels ?? 0;
  }

  /** Forgets the stored fields, so that the next frame computes them again (benchmarks). */
  invalidateFields(): void {
    this.running?.abandon();
    this.stored = null;
  }

  /** The request of `settings` at `size`; throws for a theorem mode without a bias density. */
  private request(size: ImageSize, settings: FieldsSettings & { mode: ColourMode }): FieldsRequest {
    const theorem = settings.mode === 'theorem';
    const sigmaB = settings.sigmaB ?? Number.NaN;
    if (theorem && !(sigmaB > 0 && Number.isFinite(sigmaB))) {
      throw new Error(`the theorem mode needs the bias standard deviation sigmaB > 0 (got ${settings.sigmaB})`);
    }
    const decision = settings.mode === 'decision';
    const units = this.net ? outputCount(this.net) : 1;
    if (decision && units > kMaxOutputs) {
      throw new Error(
        `the decision mode takes the argmax of at most ${kMaxOutputs} output units; this net has ${units}`,
      );
    }
    return {
      view: settings.view,
      size,
      layersShown: settings.layersShown,
      computeOutput: settings.mode === 'output' || decision,
      ...(decision ? { decision } : {}),
      ...(settings.mode === 'output' ? { outputUnit: Math.max(0, Math.min(units - 1, settings.outputUnit ?? 0)) } : {}),
      origin: settings.origin ?? [0, 0],
      fullSize: settings.imageSize ?? size,
      ...(theorem
        ? { theoremSigmaB: sigmaB, neuronExponents: this.balanced?.neuronExponents ?? new Int32Array(0) }
        : {}),
    };
  }

  /**
   * What identifies the fields of `settings` at `size` (for the current net): equal keys, equal fields. Colour
   * settings that the fields do not depend on (palette, edges, regions or layers mode) are not part of it.
   */
  fieldsKey(size: ImageSize, settings: FieldsSettings & { mode: ColourMode }): string {
    return this.keys(this.request(size, settings), settings.algorithm ?? 'fast').key;
  }

  private keys(request: FieldsRequest, algorithm: Algorithm): { reuseKey: string; key: string; coreKey: string } {
    const reuseKey = JSON.stringify([{ ...request, view: null, neuronExponents: null }, algorithm, this.netVersion]);
    const { view, size, layersShown, origin, fullSize } = request;
    const core = { view, size, layersShown, origin, fullSize };
    return {
      reuseKey,
      key: JSON.stringify([reuseKey, request.view]),
      coreKey: JSON.stringify([core, algorithm, this.netVersion]),
    };
  }

  /** Whether the front fields serve `request`: the same, or the same with the output or the integrand besides. */
  private serves(request: FieldsRequest, keys: { key: string; coreKey: string }): boolean {
    const stored = this.stored;
    if (!stored) return false;
    if (stored.key === keys.key) return true;
    const theorem = request.theoremSigmaB === undefined || request.theoremSigmaB === stored.theoremSigmaB;
    return (
      stored.coreKey === keys.coreKey && (!request.computeOutput || stored.output === outputKind(request)) && theorem
    );
  }

  /**
   * Starts computing the fields of `settings` at `size`, on grids of `strides` (coarsest first, ending with 1), or
   * returns null when the front fields are those already. A whole-pixel pan of the same picture moves the pixels
   * still in view and computes only the tiles with new ones (at stride 1).
   */
  async beginFields(
    size: ImageSize,
    settings: FieldsSettings & { mode: ColourMode },
    strides: readonly number[] = [1],
  ): Promise<Computation | null> {
    if (!this.net) throw new GpuError('no net to render');
    const request = this.request(size, settings);
    const algorithm = settings.algorithm ?? 'fast';
    const keys = this.keys(request, algorithm);
    const { reuseKey, key } = keys;
    if (this.serves(request, keys)) return null;
    this.running?.abandon();
    const slot = this.backSlot(size);
    const counters = this.countersFor(size);
    const tiles = Math.ceil(size.width / kTileSide) * Math.ceil(size.height / kTileSide);
    const target: FieldsTarget = { ...slot, counters };
    // Pan reuse: the output's colour scale and the theorem's are the whole picture's, so those are computed anew.
    // The decision's classes have no picture-wide scale: its pixels move like the regions'.
    const heat = (request.computeOutput && !request.decision) || request.theoremSigmaB !== undefined;
    const shift = algorithm === 'fast' && !heat && this.stored?.reuseKey === reuseKey;
    const pan = shift && this.front && this.stored ? panShift(this.stored.view, settings.view, size) : null;
    let list: Uint32Array | null = null;
    const encoder = this.device.createCommandEncoder({ label: 'Renderer.beginFields' });
    encoder.clearBuffer(counters);
    if (pan && this.front) {
      encodeShift(encoder, this.front.fields, slot.fields, size, pan.dx, pan.dy);
      list = exposedTiles(size, pan.dx, pan.dy);
    }
    this.device.queue.submit([encoder.finish()]);
    if (list) this.device.queue.writeBuffer(counters, kLabelsBase * 4, panLabels(tiles, list));
    const used = pan ? [1] : strides;
    const pixelsTotal = list ? list.length * kTileSide * kTileSide : size.width * size.height;
    // Brute force also serves the region-seeded algorithm's coarse grids with too few tiles (fieldsJob.ts).
    const fast =
      algorithm === 'fast'
        ? {
            pass: this.regionsPass,
            frame: await this.regionsPass.begin(request, target, list),
            macsPerEval: this.macsPerEvaluation,
          }
        : null;
    // Brute force for coarse grids and for evaluations too long for a step (fieldsJob.ts); begun only if needed.
    const bruteNeeded = algorithm === 'brute' || !list;
    const L = this.balanced?.net.hidden ?? [];
    const layersRun = request.computeOutput
      ? L.length
      : Math.max(1, Math.min(L.length, Math.round(request.layersShown)));
    const brute = bruteNeeded
      ? {
          begin: async () => ({ pass: this.fieldsPass, frame: await this.fieldsPass.begin(request, target) }),
          macsPerEval: L.slice(0, layersRun).reduce((sum, layer) => sum + 3 * layer.inDim * layer.outDim, 0),
        }
      : null;
    const setup = {
      device: this.device,
      fast,
      brute,
      target,
      tiles,
      strides: used,
      pixelsTotal,
      pace: this.pace,
      ...(this.maxSeedMs === undefined ? {} : { maxSeedMs: this.maxSeedMs }),
    };
    const job = new FieldsJob(setup);
    const stored: Stored = {
      key,
      coreKey: keys.coreKey,
      output: outputKind(request),
      theoremSigmaB: request.theoremSigmaB,
      reuseKey,
      size,
      imageSize: request.fullSize ?? size,
      view: settings.view,
      theorem: request.theoremSigmaB !== undefined,
      reusedPixels: pan ? (size.width - Math.abs(pan.dx)) * (size.height - Math.abs(pan.dy)) : 0,
    };
    let ended = false;
    // A computation given up during a step (a new net, a new size) has its passes' buffers replaced under it: what
    // that step does or throws after that is of no use and no error, and its job is destroyed once the step settles.
    let abandoned = false;
    let stepping = false;
    const computation = {
      strides: used,
      stored,
      progress: null as JobProgress | null,
      step: async (budgetMs: number | null): Promise<JobProgress> => {
        if (ended) throw new GpuError('a step of a computation that ended');
        stepping = true;
        let progress: JobProgress | null = null;
        try {
          progress = await job.step(budgetMs);
        } catch (error) {
          if (!abandoned) throw error;
        } finally {
          stepping = false;
          if (abandoned) job.destroy();
        }
        if (abandoned || !progress) return { ...(computation.progress ?? job.idleProgress()), done: false };
        computation.progress = progress;
        if (progress.done) {
          ended = true;
          this.complete(stored, slot);
          job.destroy();
        }
        return progress;
      },
      abandon: (): void => {
        if (ended) return;
        ended = true;
        abandoned = true;
        if (!stepping) job.destroy();
        if (this.running === computation) this.running = null;
      },
    };
    this.running = computation;
    return computation;
  }

  /** A computation completed: its buffers become the front ones, with its statistics. */
  private complete(stored: Stored, slot: Slot): void {
    const encoder = this.device.createCommandEncoder({ label: 'Renderer.complete' });
    encoder.copyBufferToBuffer(this.counters as GPUBuffer, 0, this.frontStats, 0, kStatsWords * 4);
    this.device.queue.submit([encoder.finish()]);
    this.back = this.front;
    this.front = slot;
    this.stored = stored;
    this.running = null;
  }

  /**
   * The back buffers the next computation writes, made anew only when the size changes (the front ones then too:
   * fields of another size are of no use).
   */
  private backSlot(size: ImageSize): Slot {
    const bytes = size.width * size.height * structSize(kPixelField);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new GpuError(
        `an image of ${size.width}x${size.height} needs ${bytes} bytes of fields; the limit is ${limit}`,
      );
    }
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const make = (name: string): Slot => ({
      fields: this.device.createBuffer({ label: `Renderer.fields.${name}`, size: bytes, usage }),
      theorem: this.device.createBuffer({
        label: `Renderer.theorem.${name}`,
        size: size.width * size.height * 4,
        usage,
      }),
    });
    const destroy = (slot: Slot | null): void => {
      slot?.fields.destroy();
      slot?.theorem.destroy();
    };
    if (this.front && this.front.fields.size !== bytes) {
      destroy(this.front);
      this.front = null;
      this.stored = null;
    }
    if (this.back?.fields.size !== bytes) {
      destroy(this.back);
      this.back = make(this.front ? 'b' : 'a');
    }
    return this.back;
  }

  private countersFor(size: ImageSize): GPUBuffer {
    const tiles = Math.ceil(size.width / kTileSide) * Math.ceil(size.height / kTileSide);
    const bytes = (kLabelsBase + tiles * (kLabelWords + 1)) * 4;
    if (this.counters?.size !== bytes) {
      this.running?.abandon();
      this.counters?.destroy();
      this.counters = this.device.createBuffer({
        label: 'Renderer.counters',
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC,
      });
    }
    return this.counters;
  }

  /**
   * Computes the fields if needed and colours them into `target` (whose size is the fields' size), in one go (the
   * command line, the tests). Returns how long it took and whether the fields were computed.
   */
  async render(target: GPUTexture, settings: RenderSettings): Promise<FrameResult> {
    const size = { width: target.width, height: target.height };
    return withErrorScopes(this.device, 'rendering a frame', async () => {
      const start = performance.now();
      const computation = await this.beginFields(size, settings);
      if (computation) while (!(await computation.step(null)).done);
      const encoder = this.device.createCommandEncoder({ label: 'Renderer.colourEncoder' });
      this.encodeColour(encoder, target, settings, null);
      this.device.queue.submit([encoder.finish()]);
      await this.device.queue.onSubmittedWorkDone();
      return { ms: performance.now() - start, computedFields: computation !== null };
    });
  }

  /**
   * Records the colour pass into `target`: of the front fields, or, with `computation`, of the fields it has
   * computed so far (each pixel shows the nearest pixel of the finest grid done: a coarse picture, then finer).
   */
  encodeColour(
    encoder: GPUCommandEncoder,
    target: GPUTexture,
    settings: RenderSettings,
    computation: Computation | null,
  ): void {
    const size = { width: target.width, height: target.height };
    const partial = computation !== null && computation === this.running;
    const slot = partial ? this.back : this.front;
    const counters = this.counters;
    if (!slot || !counters) throw new GpuError('no fields to colour');
    const source: ColourSource = {
      ...slot,
      stats: partial ? counters : this.frontStats,
      labels: counters,
      partial: partial ? Math.max(...(computation?.strides ?? [1])) : 0,
    };
    // A given output range is the net's; the fields hold the balanced net's outputs (2^outputExponent times).
    const exponent = this.balanced?.outputExponent ?? 0;
    const range = settings.outputRange?.map((v) => scaleByPowerOfTwo(v, exponent)) as [number, number] | undefined;
    const colours = range ? { ...settings, outputRange: range } : settings;
    this.colourPass.encode(
      encoder,
      target.createView(),
      source,
      size,
      colours,
      settings.imageSize?.width ?? size.width,
    );
  }

  /**
   * Computes the fields for `settings` at `size` without colouring (tests, data export, the first pass of a tiled
   * picture), for `mode` (default: `output` when `computeOutput` is set, `regions` otherwise). Returns their summary
   * (the output's range in output mode, the integrand's top in theorem mode: a tiled picture's scales).
   */
  async computeFields(
    size: ImageSize,
    settings: FieldsSettings & { computeOutput?: boolean; mode?: ColourMode },
  ): Promise<FieldsSummary> {
    const mode = settings.mode ?? (settings.computeOutput ? 'output' : 'regions');
    await withErrorScopes(this.device, 'computing fields', async () => {
      const computation = await this.beginFields(size, { ...settings, mode });
      if (computation) while (!(await computation.step(null)).done);
    });
    return this.fieldsSummary();
  }

  /** What the last fields computation cost (both passes count their evaluations), and the ranges of its heat maps. */
  async fieldsSummary(): Promise<FieldsSummary> {
    const words = new Uint32Array(await readBuffer(this.device, this.frontStats));
    return this.summarize(words, this.stored);
  }

  /** The summary of statistics words (kStat) of fields that `stored` describes. */
  summarize(words: Uint32Array, stored: Stored | null): FieldsSummary {
    const size = stored?.size ?? { width: 0, height: 0 };
    const floats = new Float32Array(words.slice(0, kStatsWords).buffer);
    const low = words[kStat.outputLow] ?? 0;
    const high = words[kStat.outputHigh] ?? 0;
    // The balanced net's outputs are 2^outputExponent times the net's (a class is a class).
    const exponent = stored?.output === 'decision' ? 0 : (this.balanced?.outputExponent ?? 0);
    const unscale = (x: number): number => scaleByPowerOfTwo(x, -exponent);
    return {
      pixels: size.width * size.height,
      evaluations: words[kStat.evaluations] ?? 0,
      reusedPixels: stored?.reusedPixels ?? 0,
      outputRange:
        low === 0 && high === 0 ? null : [unscale(fromOrderedKey(~low >>> 0)), unscale(fromOrderedKey(high))],
      theoremMax: stored?.theorem ? (floats[kStat.theoremMax] ?? 0) : null,
    };
  }

  /** Reads back the fields of the last computation. */
  async readFields(): Promise<FieldsData> {
    const stored = this.stored;
    if (!this.front || !stored) throw new GpuError('no fields computed yet');
    const words = new Uint32Array(await readBuffer(this.device, this.front.fields));
    const outputExponent = this.balanced?.outputExponent ?? 0;
    const decision = stored.output === 'decision';
    return decodeFields(words, stored.size, pixelSize(stored.view, stored.imageSize), outputExponent, decision);
  }

  /**
   * The fields a computation in progress has written so far, and which pixels it did (1 in `done`): what a coarse
   * stage shows (tests check that its pixels are exact).
   */
  async readInProgress(computation: Computation): Promise<{ data: FieldsData; done: Uint8Array }> {
    if (computation !== this.running || !this.back || !this.counters) throw new GpuError('not the computation running');
    const { size, view, imageSize } = computation.stored;
    const words = new Uint32Array(await readBuffer(this.device, this.back.fields));
    const decision = computation.stored.output === 'decision';
    const data = decodeFields(words, size, pixelSize(view, imageSize), this.balanced?.outputExponent ?? 0, decision);
    const labels = new Uint32Array(await readBuffer(this.device, this.counters)).subarray(kLabelsBase);
    const tilesX = Math.ceil(size.width / kTileSide);
    const done = new Uint8Array(size.width * size.height);
    for (let y = 0; y < size.height; y++) {
      for (let x = 0; x < size.width; x++) {
        const tile = Math.floor(y / kTileSide) * tilesX + Math.floor(x / kTileSide);
        const q = (y % kTileSide) * kTileSide + (x % kTileSide);
        done[y * size.width + x] = ((labels[tile * kLabelWords + (q >> 5)] ?? 0) >>> (q & 31)) & 1;
      }
    }
    return { data, done };
  }

  /**
   * The main formula's integrand at each pixel of the last computation (expected boundary length per unit area,
   * row-major from the top-left pixel); null when it was not computed in theorem mode.
   */
  async readTheorem(): Promise<Float32Array | null> {
    if (!this.stored?.theorem || !this.front) return null;
    return new Float32Array(await readBuffer(this.device, this.front.theorem));
  }

  /**
   * The main formula's prediction of the boundary length inside the pixels of the last computation: the sum of the
   * integrand times the pixel area, in float64 (input units). Null when the fields were not computed in theorem mode.
   */
  async theoremIntegral(): Promise<number | null> {
    const integrand = await this.readTheorem();
    const stored = this.stored;
    if (!integrand || !stored) return null;
    const s = pixelSize(stored.view, stored.imageSize);
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

  /** Neurons of the current net (cost estimates). */
  get neurons(): number {
    return this.net ? neuronCount(this.net) : 0;
  }

  destroy(): void {
    this.running?.abandon();
    for (const slot of [this.front, this.back]) {
      slot?.fields.destroy();
      slot?.theorem.destroy();
    }
    this.counters?.destroy();
    this.frontStats.destroy();
    this.regionsPass.destroy();
    this.fieldsPass.destroy();
    this.colourPass.destroy();
  }
}

/** What the records' output holds for `request` (Stored.output). */
function outputKind(request: FieldsRequest): string | null {
  if (!request.computeOutput) return null;
  return request.decision ? 'decision' : `unit ${request.outputUnit ?? 0}`;
}

/** Labels after a pan: every pixel of the tiles not in `list` done (moved), those in it to do. */
function panLabels(tiles: number, list: Uint32Array): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(tiles * (kLabelWords + 1));
  words.fill(0xffffffff, 0, tiles * kLabelWords);
  for (const tile of list) words.fill(0, tile * kLabelWords, (tile + 1) * kLabelWords);
  return words;
}
