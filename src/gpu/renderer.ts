/**
 * The one renderer, shared by the app, the CLI and the tests: (net, view, settings) -> fields -> colours.
 * It recomputes the fields only when what they depend on changed (net, view, size, layers, output or theorem
 * needed); colour settings alone re-run only the colour pass. A computation (fieldsJob.ts) writes the back buffers,
 * coarse to fine and in bounded steps when asked; the buffers swap when it completes, so an abandoned one never
 * spoils the last complete fields, and a half-done one can be shown (its coarsest pixels stand in for the rest).
 */
import { type BalancedNet, balanceNet, scaleByPowerOfTwo } from '../model/balance.ts';
import {
  type Graph,
  graphEvaluationMacs,
  graphOutputCount,
  isGraph,
  type Network,
  neuronTotal,
} from '../model/graph/graph.ts';
import type { Net } from '../model/net.ts';
import { neuronCount, outputCount } from '../model/net.ts';
import { type ImageSize, pixelSize, type View } from '../model/view.ts';
import { ColourPass, type ColourSettings, type ColourSource } from './colourPass.ts';
import { type Computation, evaluationMacs, startComputation } from './computation.ts';
import { GpuError, withErrorScopes } from './device.ts';
import { FieldsBuffers } from './fieldsBuffers.ts';
import type { JobProgress, JobTuning } from './fieldsJob.ts';
import { FieldsPass } from './fieldsPass.ts';
import type { FieldsRequest } from './fieldsRequest.ts';
import { fieldsKeys, type Stored, serves, storedOf } from './fieldsStore.ts';
import { GraphPass } from './graphPass.ts';
import { GraphRegionsPass } from './graphRegionsPass.ts';
import {
  type Algorithm,
  type ColourMode,
  fromOrderedKey,
  kLabelsBase,
  kLabelWords,
  kMaxOutputs,
  kStat,
  kStatsWords,
  kTileSide,
} from './layout.ts';
import { newPaces } from './pace.ts';
import { panShift } from './panReuse.ts';
import { decodeFields, type FieldsData, readBuffer, readTexture } from './readback.ts';
import { RegionsPass } from './regionsPass.ts';

export type { Computation, FieldsData, JobProgress };

/** Stands for the MLP of a computation that draws a graph (never read then). */
const kNoNet: Net = { inputDim: 2, hidden: [], output: null };

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

export class Renderer {
  private net: Net | null = null;
  /** A network that is not an MLP (drawn by the graph pass), or null. */
  private graph: Graph | null = null;
  /** Counts the nets set: part of the fields' key. */
  private netVersion = 0;
  /** What the passes draw: the net balanced (exactly the same partition and distances, numbers near 1). */
  private balanced: BalancedNet | null = null;
  /** What the front fields hold. */
  private stored: Stored | null = null;
  private readonly buffers: FieldsBuffers;
  /** The computation writing the back buffers, if any. */
  private running: Computation | null = null;
  /** The device's speed, learnt from the steps of every computation. */
  readonly pace = newPaces();
  /** Tests: the computations' limits, other than fieldsJob.ts's defaults. */
  tuning: JobTuning = {};

  private constructor(
    readonly device: GPUDevice,
    readonly format: GPUTextureFormat,
    private readonly fieldsPass: FieldsPass,
    private readonly regionsPass: RegionsPass,
    private readonly graphPass: GraphPass,
    private readonly graphRegionsPass: GraphRegionsPass,
    private readonly colourPass: ColourPass,
  ) {
    this.buffers = new FieldsBuffers(device, () => this.running?.abandon());
  }

  static async create(device: GPUDevice, format: GPUTextureFormat = 'rgba8unorm'): Promise<Renderer> {
    const [fieldsPass, regionsPass, graphPass, graphRegionsPass] = await withErrorScopes(
      device,
      'creating the fields passes',
      () =>
        [new FieldsPass(device), new RegionsPass(device), new GraphPass(device), new GraphRegionsPass(device)] as const,
    );
    const colourPass = await ColourPass.create(device, format);
    return new Renderer(device, format, fieldsPass, regionsPass, graphPass, graphRegionsPass, colourPass);
  }

  /**
   * Throws NetTooLargeError (and keeps the previous net) if the net does not fit this device. The passes get the
   * net balanced (src/model/balance.ts), so weights anywhere in float64's range draw the exact partition.
   */
  setNet(network: Network): void {
    if (isGraph(network)) {
      this.graphPass.setGraph(network); // checks first: it throws before anything changed
      this.graphRegionsPass.setGraph(network);
      this.graph = network;
      this.net = null;
      this.balanced = null;
      this.netVersion++;
      this.invalidateFields();
      return;
    }
    const net = network;
    const balanced = balanceNet(net);
    this.fieldsPass.setNet(balanced.net); // checks first: it throws before any pass changed
    this.regionsPass.setNet(balanced.net);
    this.net = net;
    this.graph = null;
    this.balanced = balanced;
    this.netVersion++;
    this.invalidateFields();
  }

  get currentNet(): Net | null {
    return this.net;
  }

  /** The network drawn: the MLP or the graph. */
  get currentNetwork(): Network | null {
    return this.graph ?? this.net;
  }

  /** Multiply-adds of one full evaluation (with tangents) of the current net: the unit of the cost estimates. */
  get macsPerEvaluation(): number {
    if (this.graph) return graphEvaluationMacs(this.graph);
    return this.balanced ? evaluationMacs(this.balanced.net.hidden) : 0;
  }

  /**
   * The grids a picture of `size` is computed on, coarsest first: the first about `firstMs` long at this device's speed
   * (learnt; before that, a cautious guess), at most `maxStride`. Its evaluations are counted as one a pixel (an upper
   * bound for the region-seeded pass).
   */
  gridStrides(size: ImageSize, algorithm: Algorithm, firstMs: number, maxStride: number): number[] {
    const macs = this.macsPerEvaluation;
    const fast = algorithm === 'fast' && this.tuning.coarseBrute !== true;
    const msPerPixel = fast ? this.pace.fast.msPerEvaluation(macs) : this.pace.brute.msPerEvaluation(macs);
    const affordable = firstMs / Math.max(msPerPixel, 1e-9);
    let stride = 1;
    while (stride < maxStride && (size.width / stride) * (size.height / stride) > affordable) stride *= 2;
    const strides: number[] = [];
    for (let s = stride; s >= 1; s /= 2) strides.push(s);
    return strides;
  }

  /**
   * Gets what a first picture in colour mode `mode` needs ready while the app makes its net and builds its panels:
   * the region-seeded pass's shader compiled aside, the colour pass's preview pipeline compiled by a draw of a pixel.
   * Errors show where they are used.
   */
  prepare(mode: ColourMode): void {
    this.regionsPass.prepare({ OUTPUT: mode === 'output', DECISION: mode === 'decision', THEOREM: mode === 'theorem' });
    this.colourPass.warm(mode);
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
    const units = this.graph ? graphOutputCount(this.graph) : this.net ? outputCount(this.net) : 1;
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
    return fieldsKeys(this.request(size, settings), settings.algorithm ?? 'fast', this.netVersion).key;
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
    if (!this.net && !this.graph) throw new GpuError('no net to render');
    if (this.graph && settings.mode === 'theorem') throw new Error('the theorem mode applies to MLPs only');
    const request = this.request(size, settings);
    const algorithm = settings.algorithm ?? 'fast';
    const keys = fieldsKeys(request, algorithm, this.netVersion);
    if (serves(this.stored, request, keys)) return null;
    this.running?.abandon();
    const { slot, frontDropped } = this.buffers.backFor(size);
    if (frontDropped) this.stored = null;
    const counters = this.buffers.countersFor(size);
    // Pan reuse: the output's colour scale and the theorem's are the whole picture's, so those are computed anew.
    // The decision's classes have no picture-wide scale: its pixels move like the regions'.
    const heat = (request.computeOutput && !request.decision) || request.theoremSigmaB !== undefined;
    const front = this.buffers.front;
    const shift = algorithm === 'fast' && !heat && front && this.stored?.reuseKey === keys.reuseKey;
    const moved = shift && this.stored ? panShift(this.stored.view, settings.view, size) : null;
    const computation = await startComputation({
      device: this.device,
      request,
      algorithm,
      strides,
      slot,
      counters,
      pan: moved && front ? { from: front.fields, ...moved } : null,
      passes: this.graph
        ? { fast: this.graphRegionsPass, brute: this.graphPass }
        : { fast: this.regionsPass, brute: this.fieldsPass },
      layers: this.balanced?.net.hidden ?? [],
      net: this.net ?? kNoNet,
      graph: this.graph ? { macsPerEval: graphEvaluationMacs(this.graph) } : null,
      outputExponent: this.balanced?.outputExponent ?? 0,
      pace: this.pace,
      tuning: this.tuning,
      stored: (reusedPixels) => storedOf(request, keys, reusedPixels),
      completed: (stored, done) => {
        this.buffers.swap(done);
        this.stored = stored;
        this.running = null;
      },
      released: (ended) => {
        if (this.running === ended) this.running = null;
      },
    });
    this.running = computation;
    return computation;
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
    const slot = partial ? this.buffers.backSlot : this.buffers.front;
    const counters = this.buffers.counters;
    if (!slot || !counters) throw new GpuError('no fields to colour');
    const source: ColourSource = {
      ...slot,
      stats: partial ? counters : this.buffers.frontStats,
      labels: counters,
      grids: partial && computation?.progress ? computation.progress : null,
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
    const words = new Uint32Array(await readBuffer(this.device, this.buffers.frontStats));
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
    const front = this.buffers.front;
    if (!front || !stored) throw new GpuError('no fields computed yet');
    const words = new Uint32Array(await readBuffer(this.device, front.fields));
    const outputExponent = this.balanced?.outputExponent ?? 0;
    const decision = stored.output === 'decision';
    return decodeFields(words, stored.size, pixelSize(stored.view, stored.imageSize), outputExponent, decision);
  }

  /**
   * The fields a computation in progress has written so far, and which pixels it did (1 in `done`): what a coarse
   * stage shows (tests check that its pixels are exact).
   */
  async readInProgress(computation: Computation): Promise<{ data: FieldsData; done: Uint8Array }> {
    const { backSlot: back, counters } = this.buffers;
    if (computation !== this.running || !back || !counters) throw new GpuError('not the computation running');
    const { size, view, imageSize } = computation.stored;
    const words = new Uint32Array(await readBuffer(this.device, back.fields));
    const decision = computation.stored.output === 'decision';
    const data = decodeFields(words, size, pixelSize(view, imageSize), this.balanced?.outputExponent ?? 0, decision);
    const labels = new Uint32Array(await readBuffer(this.device, counters)).subarray(kLabelsBase);
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
    const front = this.buffers.front;
    if (!this.stored?.theorem || !front) return null;
    return new Float32Array(await readBuffer(this.device, front.theorem));
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
    return this.graph ? neuronTotal(this.graph) : this.net ? neuronCount(this.net) : 0;
  }

  destroy(): void {
    this.running?.abandon();
    this.buffers.destroy();
    this.regionsPass.destroy();
    this.fieldsPass.destroy();
    this.graphPass.destroy();
    this.graphRegionsPass.destroy();
    this.colourPass.destroy();
  }
}
