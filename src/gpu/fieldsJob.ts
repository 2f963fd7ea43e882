/**
 * One computation of the fields, coarse to fine and in bounded steps. The pixels are computed on grids of
 * decreasing stride (every 16th pixel, then every 8th, ...; each grid exact at its own pixels); each step is one
 * submission whose size comes from a time budget and the device's speed learnt from the steps before (`Pace`), so
 * that on any device, for any net and view, input is answered within about one budget. Without a budget (the
 * command line, the tests) a stride is one submission.
 *
 * A coarse grid with one pixel a tile, or too few tiles (a workgroup each), is computed by brute force (parallel over
 * pixels and neurons): seeding gains nothing there, and a few workgroups evaluating a big net leave most of the device
 * idle. Both passes write the same fields and mark the same pixels done, so the finer grids go on where they stopped.
 */
import type { BruteFrame, BrutePass } from './fieldsPass.ts';
import type { FieldsTarget } from './fieldsRequest.ts';
import {
  type GridCosts,
  gridEvaluations,
  lambdaFromEvaluations,
  lambdaFromShare,
  nextLevel,
  plannedGrids,
} from './gridPlan.ts';
import { type Algorithm, kLabelsBase, kLabelWords, kStat, kStatsWords, kTileSide, kWorkgroupSize } from './layout.ts';
import type { Paces } from './pace.ts';
import type { RegionsFrame, TilePass } from './regionsPass.ts';

/** Where a computation stands. */
export interface JobProgress {
  readonly pixelsDone: number;
  readonly pixelsTotal: number;
  /** Full network evaluations so far. */
  readonly evaluations: number;
  /** Stride of the grid being computed, or just completed (1: full resolution). */
  readonly stride: number;
  /** True after the step that completed a stride's grid. */
  readonly strideDone: boolean;
  /**
   * The stride of the finest grid completed (0: none yet), and of the grid computed now (after this step; 0 while it
   * has no pixel done).
   */
  readonly finestDone: number;
  readonly computing: number;
  readonly done: boolean;
  /**
   * An estimate of the time the rest takes at this device's speed, over the grids still planned (gridPlan.ts).
   * Brute force: the pixels left. Region-seeded: the regions its new pixels meet, from the boundaries' density measured
   * on the grids done. Before a grid measured it (`measured` false), msLeft is a lower bound (a region a tile) and
   * msLeftAtMost an upper bound (a region a pixel).
   */
  readonly msLeft: number;
  readonly measured: boolean;
  readonly msLeftAtMost: number;
  /**
   * The estimated time to finish the grid being computed, or, after the step that completed one, the next grid (a
   * lower bound while not measured; 0 when done).
   */
  readonly gridMs: number;
  /**
   * The evaluations a new pixel the rest of the region-seeded grid being computed is estimated to cost (restRate,
   * else the grid's average so far); null for brute force's grids and before a measure.
   */
  readonly restRate: number | null;
  /** The pass that computed the last step (a first grid may be the CPU's, cpuGrid.ts). */
  readonly pass: Algorithm | 'cpu';
  /** The statistics words so far (kStat): what the colour pass scales a picture in progress with. */
  readonly stats: Uint32Array;
}

interface BruteKind {
  readonly pass: BrutePass;
  readonly frame: BruteFrame;
}

interface FastKind {
  readonly pass: TilePass;
  readonly frame: RegionsFrame;
}

/** Tests: the job's limits, other than the defaults. */
export interface JobTuning {
  /** The longest a region-seeded seed may take in a step before brute force does the grid (kMaxSeedMs). */
  readonly maxSeedMs?: number;
  /** Every grid of the strides is computed: none skipped or jumped over by the plan. */
  readonly everyGrid?: boolean;
  /** Grids of a pixel a tile or fewer are brute force's (as for images of too few tiles). */
  readonly coarseBrute?: boolean;
  /** Nets of fewer multiply-adds an evaluation than this are small (kSmallNetMacs). */
  readonly smallNetMacs?: number;
  /** Whether a first grid is the CPU's: while its shader compiles (the default), always, or never (cpuGrid.ts). */
  readonly cpuFirstGrid?: 'always' | 'never';
}

/** What the job needs of the renderer. */
export interface JobSetup {
  readonly device: GPUDevice;
  /**
   * The brute-force pass (null: region-seeded only, as for the tiles a pan exposed), begun when a grid first needs it
   * (its shader variant is compiled then), and its multiply-adds a pixel.
   */
  readonly brute: { readonly begin: () => Promise<BruteKind>; readonly macsPerEval: number } | null;
  /**
   * The region-seeded pass (null: brute force only), begun when a grid first needs it (its shader variant is compiled
   * then); the tiles it labels (all of them, or those a pan exposed), and its multiply-adds an evaluation.
   */
  readonly fast: {
    readonly begin: () => Promise<FastKind>;
    readonly tiles: number;
    readonly macsPerEval: number;
  } | null;
  readonly target: FieldsTarget;
  /** Tiles of the fields buffer (the labels' per-tile words follow their bits, in target.counters). */
  readonly tiles: number;
  /** Strides from the coarsest to 1. */
  readonly strides: readonly number[];
  readonly pixelsTotal: number;
  /** Each pass's speed (a region-seeded evaluation also labels a tile's pixels: its own rate). */
  readonly pace: Paces;
  /** Tests: other limits than the defaults. */
  readonly tuning?: JobTuning;
  /** The first grid, done before the job began (by the CPU, cpuGrid.ts): its statistics words. */
  readonly firstGrid?: Uint32Array;
}

/** Evaluations a tile needs in a step, before the steps say: a guess that keeps the first steps small. */
const kFirstSeedsPerTile = 16;
/** The fewest tiles a region-seeded step labels (when there are that many left). */
const kMinStepTiles = 16;
/** A grid with fewer tiles than this for the region-seeded pass is computed by brute force (when allowed). */
export const kMinFastTiles = 16;
/**
 * A net of fewer multiply-adds an evaluation than this goes from its first grid to the full resolution (gridPlan.ts
 * nextLevel): the region-seeded pass's work a tile, not the net, is most of what its grids cost.
 */
const kSmallNetMacs = 1e6;

/** A region-seeded evaluation (one workgroup) longer than this makes a grid in steps brute force's. */
const kMaxSeedMs = 400;
/** Brute-force grids go on while at least this share of a grid's pixels fall in another region than their block's. */
const kDenseShare = 0.5;
const kUnbounded = 0xffffffff;

/**
 * Evaluations a new pixel in the tiles not done yet, from the tiles' words (bit 0 done, the evaluations at this
 * stride times 2 above it; shaders/regions.wgsl): their evaluations over their pixels done (the grid's pixels done
 * but those of the tiles done, `tilePixels` each). Null while they did too few pixels to say (a tenth of the pixels
 * left, or 64), or when every tile is done.
 */
export function restRate(
  tileWords: Uint32Array,
  levelPixelsDone: number,
  tilePixels: number,
  levelPixels: number,
): number | null {
  let doneTiles = 0;
  let restEvaluations = 0;
  for (const word of tileWords) {
    if (word & 1) doneTiles++;
    else restEvaluations += word >>> 1;
  }
  const restPixels = levelPixelsDone - doneTiles * tilePixels;
  const left = levelPixels - levelPixelsDone;
  if (restEvaluations === 0 || restPixels < Math.max(64, 0.1 * left)) return null;
  return restEvaluations / restPixels;
}

export class FieldsJob {
  private level = 0;
  private progress: JobProgress;
  /** Fast pass: the next tile of the list. */
  private cursor = 0;
  private seedsPerTile = kFirstSeedsPerTile;
  /** Brute force: the next dispatch (chunk, layer) of the current stride, and its chunks. */
  private chunk = 0;
  private layer = 0;
  private part = 0;
  private chunks = 0;
  private levelStarted = false;
  /** Steps so far. */
  private steps = 0;
  /** Tiles of the current stride's grid (the region-seeded pass): the stride is done when they all are. */
  private levelTiles = 0;
  /** The current stride's grid is computed by the region-seeded pass. */
  private levelFast = false;
  /** λ, the boundaries' length per unit area in 1/pixel (gridPlan.ts), once a grid measured it. */
  private lambda: number | null = null;
  /** Evaluations a new pixel of the current grid so far (the region-seeded pass), once it did some. */
  private levelRate: number | null = null;
  /**
   * Evaluations a new pixel in the tiles of the current grid not done yet (the region-seeded pass): what the pixels
   * left cost, once those tiles did enough. The tiles where regions crowd are done last, so levelRate, an average
   * over the tiles done too, fell short of the rest (3 x 64 at 1280 x 800: 0.03 of the time left at the median).
   */
  private restRate: number | null = null;
  /** Pixels and evaluations when the current stride began. */
  private levelStart = { pixels: 0, evaluations: 0, newRegions: 0 };
  /** A region-seeded grid completed: its measure of the regions a tile holds stands. */
  private fastMeasured = false;
  /** The stride of the last grid done (0: none yet). */
  private coarser = 0;
  private readonly staging: GPUBuffer;
  private bruteKind: BruteKind | null = null;
  private fastKind: FastKind | null = null;
  /** The steps have a time budget (the app): see fastAt. */
  private budgeted = false;

  constructor(private readonly setup: JobSetup) {
    this.progress = {
      pixelsDone: 0,
      pixelsTotal: setup.pixelsTotal,
      evaluations: 0,
      stride: setup.strides[0] ?? 1,
      finestDone: 0,
      computing: setup.strides[0] ?? 1,
      strideDone: false,
      done: false,
      msLeft: Number.POSITIVE_INFINITY,
      measured: false,
      msLeftAtMost: Number.POSITIVE_INFINITY,
      gridMs: Number.NaN,
      restRate: null,
      stats: new Uint32Array(kStatsWords),
      pass: setup.fast ? 'fast' : 'brute',
    };
    if (!setup.brute && !setup.fast) throw new Error('FieldsJob: no pass');
    this.staging = setup.device.createBuffer({
      label: 'FieldsJob.stats',
      size: (kStatsWords + setup.tiles) * 4,
      usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    });
    const first = setup.firstGrid;
    if (first && setup.strides.length > 1) {
      const stride = this.stride;
      this.advance(first);
      this.progress = this.progressOf(first, { stride, done: true, last: false, pass: 'cpu' });
    }
  }

  get stride(): number {
    return this.setup.strides[this.level] ?? 1;
  }

  /** Where the job stands (before its first step: nothing done). */
  idleProgress(): JobProgress {
    return this.progress;
  }

  /**
   * One step: about `budgetMs` of GPU work (null: the rest of the current stride in one submission). Resolves when
   * the GPU finished it, with where the computation stands.
   */
  async step(budgetMs: number | null): Promise<JobProgress> {
    if (this.progress.done) return this.progress;
    this.budgeted = budgetMs !== null;
    const { device } = this.setup;
    // The step's time is the speed's measure: not the work submitted before it (a picture presented between steps).
    await device.queue.onSubmittedWorkDone();
    if (!this.levelStarted && !this.fastAt(this.stride) && !this.bruteKind) {
      this.bruteKind = (await this.setup.brute?.begin()) ?? null;
    }
    if (!this.levelStarted && this.fastAt(this.stride) && !this.fastKind) {
      this.fastKind = (await this.setup.fast?.begin()) ?? null;
    }
    const encoder = device.createCommandEncoder({ label: 'FieldsJob.step' });
    if (!this.levelStarted) this.startLevel(encoder, budgetMs);
    const start = performance.now();
    const macs = this.levelFast ? this.encodeFast(encoder, budgetMs) : this.encodeBrute(encoder, budgetMs);
    // The statistics, and each tile's word saying it is done at this stride.
    const { counters } = this.setup.target;
    const tiles = this.setup.tiles;
    encoder.copyBufferToBuffer(counters, 0, this.staging, 0, kStatsWords * 4);
    encoder.copyBufferToBuffer(
      counters,
      (kLabelsBase + tiles * kLabelWords) * 4,
      this.staging,
      kStatsWords * 4,
      tiles * 4,
    );
    device.queue.submit([encoder.finish()]);
    await this.staging.mapAsync(GPUMapMode.READ);
    const words = new Uint32Array(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    const ms = performance.now() - start;
    const stats = words.subarray(0, kStatsWords);
    // The first step of a computation may wait for the shaders' first use: no measure of the speed.
    const learn = this.steps++ > 0;
    const evaluations = stats[kStat.evaluations] ?? 0;
    const pixelsDone = stats[kStat.pixelsDone] ?? 0;
    const fast = this.fastKind;
    const macsPerFastEval = this.setup.fast?.macsPerEval ?? 0;
    if (this.levelFast && fast) {
      const evaluated = evaluations - this.progress.evaluations;
      if (learn) this.setup.pace.fast.learn(evaluated * macsPerFastEval, ms);
      const stepTiles = fast.frame.stepTiles;
      this.seedsPerTile = Math.max(1, 0.5 * this.seedsPerTile + (0.5 * evaluated) / Math.max(1, stepTiles));
      const levelPixels = pixelsDone - this.levelStart.pixels;
      // A grid of a pixel a tile or fewer meets one region a tile whatever the regions: no measure of them.
      if (levelPixels > 0 && this.stride < kTileSide) {
        this.levelRate = (evaluations - this.levelStart.evaluations) / levelPixels;
        const perTile = (this.levelRate * this.levelPixels()) / Math.max(1, fast.frame.list.length);
        this.lambda = lambdaFromEvaluations(perTile, this.stride, this.coarser);
        this.restRate = restRate(words.subarray(kStatsWords), levelPixels, this.tilePixels(), this.levelPixels());
      }
    } else {
      if (learn) this.setup.pace.brute.learn(macs, ms);
    }
    const strideDone = this.strideComplete(stats[kStat.unitsDone] ?? 0);
    const last = this.level === this.setup.strides.length - 1;
    const stepStride = this.stride;
    const stepPass = this.levelFast ? 'fast' : 'brute';
    if (strideDone && !last) {
      this.advance(stats);
    } else if (!strideDone && this.levelFast && fast && this.cursor >= fast.frame.tiles) {
      // A round over the list ended: the next goes over the tiles not done yet only.
      const done = words.subarray(kStatsWords);
      fast.pass.setTiles(
        fast.frame,
        fast.frame.current.filter((tile) => ((done[tile] ?? 0) & 1) === 0),
      );
      this.cursor = 0;
    }
    this.progress = this.progressOf(stats, { stride: stepStride, done: strideDone, last, pass: stepPass });
    return this.progress;
  }

  /** Where the computation stands after a step of `step.stride`'s grid (`done`: it completed; `last`: the finest). */
  private progressOf(
    stats: Uint32Array,
    step: { stride: number; done: boolean; last: boolean; pass: JobProgress['pass'] },
  ): JobProgress {
    const pixelsDone = stats[kStat.pixelsDone] ?? 0;
    const finished = step.done && step.last;
    const measured = this.lambda !== null;
    // Before a measure: a region a tile at least (λ = 0), a region a pixel at most.
    const grids = finished ? [0] : this.gridsMsLeft(pixelsDone, this.lambda ?? 0);
    const sum = (values: number[]): number => values.reduce((a, ms) => a + ms, 0);
    return {
      pixelsDone,
      pixelsTotal: this.setup.pixelsTotal,
      evaluations: stats[kStat.evaluations] ?? 0,
      stride: step.stride,
      strideDone: step.done,
      finestDone: finished ? 1 : this.coarser,
      // None of the grid computed now done yet (right after a grid completed): only the finest grid done shows.
      computing: pixelsDone > this.levelStart.pixels ? this.stride : 0,
      done: finished,
      msLeft: sum(grids),
      measured,
      msLeftAtMost: finished ? 0 : measured ? sum(grids) : sum(this.gridsMsLeft(pixelsDone, Number.POSITIVE_INFINITY)),
      gridMs: grids[0] ?? 0,
      restRate: this.levelFast ? (this.restRate ?? this.levelRate) : null,
      pass: step.pass,
      stats: stats.slice(),
    };
  }

  /**
   * On to the next grid after one completed. After a brute-force grid whose pixels mostly share their coarser
   * block's region (fewer than kDenseShare in another), the grids up to the first of the region-seeded pass are
   * skipped: where regions are that large, it does the rest with far fewer evaluations than brute force's coarse
   * grids alone. Where the regions (measured) are larger than the next grid's cells, the full resolution
   * comes next (gridPlan.ts).
   */
  private advance(stats: Uint32Array): void {
    const { strides, fast } = this.setup;
    const pixels = stats[kStat.pixelsDone] ?? 0;
    const newRegions = stats[kStat.newRegions] ?? 0;
    let next = this.level + 1;
    const plan = this.setup.tuning?.everyGrid !== true;
    if (!this.levelFast && fast && this.coarser !== 0) {
      const share = (newRegions - this.levelStart.newRegions) / Math.max(1, pixels - this.levelStart.pixels);
      // A region-seeded grid's measure is the more direct: a brute-force grid's stands in until there is one.
      if (!this.fastMeasured) this.lambda = lambdaFromShare(share, this.stride);
      if (plan && share < kDenseShare) while (next < strides.length - 1 && !this.fastAt(strides[next] ?? 1)) next++;
    }
    if (this.levelFast) this.fastMeasured = true;
    if (plan) next = nextLevel(this.gridCosts(), this.level, this.lambda, next);
    this.coarser = this.stride;
    this.level = next;
    this.levelStarted = false;
    this.levelRate = null;
    this.restRate = null;
    this.levelStart = { pixels, evaluations: stats[kStat.evaluations] ?? 0, newRegions };
  }

  /** New pixels of the current grid in a whole tile. */
  private tilePixels(): number {
    const n = (s: number): number => (s ? Math.max(0, kTileSide / s) ** 2 : 0);
    return n(this.stride) - (this.coarser && this.coarser <= kTileSide ? n(this.coarser) : 0);
  }

  /** New pixels of the current grid (those its coarser grids did not do). */
  private levelPixels(): number {
    const s = this.stride;
    const c = this.coarser;
    return this.setup.pixelsTotal * (1 / (s * s) - (c ? 1 / (c * c) : 0));
  }

  /** What the plans need: the strides, the pixels and tiles, the speeds learnt. */
  private gridCosts(): GridCosts {
    const { strides, pixelsTotal, pace, fast, brute } = this.setup;
    return {
      strides,
      pixelsTotal,
      tiles: fast?.tiles ?? 1,
      msPerFastEval: pace.fast.msPerEvaluation(fast?.macsPerEval ?? 0),
      msPerBruteEval: pace.brute.msPerEvaluation(brute?.macsPerEval ?? 0),
      fastAt: (stride) => this.fastAt(stride),
      smallNet: fast !== null && fast.macsPerEval < (this.setup.tuning?.smallNetMacs ?? kSmallNetMacs),
    };
  }

  /**
   * The time each grid still takes, from the current one (what is left of it) through the grids planned after it,
   * at the speeds learnt, for boundaries of density λ (see JobProgress.msLeft).
   */
  private gridsMsLeft(pixelsDone: number, lambda: number): number[] {
    const costs = this.gridCosts();
    const pixels = this.levelPixels();
    const left = Math.max(0, pixels - (pixelsDone - this.levelStart.pixels));
    const perPixel = this.fastAt(this.stride)
      ? (this.restRate ??
          this.levelRate ??
          (gridEvaluations(lambda, this.stride, this.coarser) * costs.tiles) / Math.max(1, pixels)) *
        costs.msPerFastEval
      : costs.msPerBruteEval;
    return [left * perPixel, ...plannedGrids(costs, this.level, lambda).map((grid) => grid.ms)];
  }

  /**
   * Whether the grid of `stride` is the region-seeded pass's: full resolution always; a coarser grid when there are
   * enough tiles (a workgroup each), also where a tile holds one pixel of it or none: brute force's workgroups are of
   * pixels (a grid of 20 pixels is one workgroup on one core), the region-seeded pass's of tiles, so that on
   * SwiftShader the stride-256 grid of a 4 x 1024 net at 1280 x 800 took 0.76 s that way and 1.35 s by brute force.
   */
  private fastAt(stride: number): boolean {
    const { fast, brute, pace } = this.setup;
    if (!fast || !brute) return fast !== null;
    // In steps: a region-seeded step evaluates at least one seed a tile, a whole net in one workgroup; where that
    // alone would take longer than kMaxSeedMs (a net of tens of millions of weights on a CPU), brute force, whose
    // steps split layers, keeps the steps short.
    const seedMs = pace.fast.msPerEvaluation(fast.macsPerEval);
    if (this.budgeted && seedMs > (this.setup.tuning?.maxSeedMs ?? kMaxSeedMs)) return false;
    if (stride === 1) return true;
    return fast.tiles >= kMinFastTiles && (stride < kTileSide || this.setup.tuning?.coarseBrute !== true);
  }

  /** Clears the labels' per-tile "done" words and the counter of units done, and sets the stride. */
  private startLevel(encoder: GPUCommandEncoder, budgetMs: number | null): void {
    const { target, tiles, device } = this.setup;
    const fast = this.fastKind;
    const brute = this.bruteKind;
    encoder.clearBuffer(target.counters, (kLabelsBase + tiles * kLabelWords) * 4, tiles * 4);
    device.queue.writeBuffer(target.counters, kStat.unitsDone * 4, new Uint32Array(1));
    const stride = this.stride;
    this.levelFast = this.fastAt(stride);
    if (this.levelFast && fast) {
      // Marks of pixels done exist after a coarser grid, for a pan's moved pixels (a list of tiles), and after a
      // bounded step (a tile goes on where it stopped); a stride in one go from nothing need not read them.
      const labelsSet = this.coarser !== 0 || fast.frame.list.length < tiles || budgetMs !== null;
      this.levelTiles = fast.pass.setStride(fast.frame, stride, labelsSet, budgetMs !== null);
      this.cursor = 0;
    } else if (brute) {
      // Pixels of the coarser grid before are done (strides are powers of two, each a multiple of the next).
      // A dispatch is a chunk of pixels times a layer, or a part of a layer's neurons when a whole layer of the
      // fewest pixels (a workgroup's) would take longer than a step.
      const { layerMacs, layerWidths } = brute.frame;
      const maxLayer = Math.max(1, ...layerMacs);
      const budget = budgetMs === null ? Number.POSITIVE_INFINITY : this.setup.pace.brute.macsIn(budgetMs);
      const macsPerNeuron = Math.max(1, ...layerMacs.map((macs, l) => macs / (layerWidths[l] ?? 1)));
      const partNeurons = budget / (kWorkgroupSize * macsPerNeuron);
      this.chunks = brute.pass.setLevel(brute.frame, stride, this.coarser, budget / maxLayer, partNeurons);
      this.chunk = 0;
      this.layer = 0;
      this.part = 0;
    }
    this.levelStarted = true;
  }

  /** Records the next steps of the region-seeded pass; returns their multiply-adds (unknown: 0). */
  private encodeFast(encoder: GPUCommandEncoder, budgetMs: number | null): number {
    const kind = this.fastKind;
    const macsPerEval = this.setup.fast?.macsPerEval ?? 1;
    if (!kind) return 0;
    const { pass, frame } = kind;
    if (budgetMs === null) {
      const { steps } = pass.writeSteps(frame, 0, Number.POSITIVE_INFINITY, kUnbounded);
      for (let s = 0; s < steps; s++) pass.encodeStep(encoder, frame, s);
      this.cursor = frame.tiles;
      return 0;
    }
    // One step from the cursor, sized from the speed learnt so far: about budgetMs of evaluations, and no tile more
    // than its share of them. A new round starts over the list when the cursor reaches its end (finished tiles
    // return at once).
    if (this.cursor >= frame.tiles) this.cursor = 0;
    const evaluations = this.setup.pace.fast.evaluationsIn(budgetMs, macsPerEval);
    // At least kMinStepTiles tiles a step: its tiles are workgroups the device runs side by side, so fewer leave it idle
    // (a 4 x 1024 net's first grid of 20 tiles took 20 steps of one evaluation each, one core busy).
    const stepTiles = Math.max(kMinStepTiles, Math.floor(evaluations / this.seedsPerTile));
    const maxSeeds = Math.max(1, Math.ceil(evaluations / stepTiles));
    pass.writeSteps(frame, this.cursor, stepTiles, maxSeeds, 1);
    pass.encodeStep(encoder, frame, 0);
    this.cursor = Math.min(frame.tiles, this.cursor + frame.stepTiles);
    return 0;
  }

  /** Records the next (chunk, layer) dispatches of the brute-force pass; returns their multiply-adds. */
  private encodeBrute(encoder: GPUCommandEncoder, budgetMs: number | null): number {
    const kind = this.bruteKind;
    if (!kind) return 0;
    const { pass, frame } = kind;
    const budget = budgetMs === null ? Number.POSITIVE_INFINITY : this.setup.pace.brute.macsIn(budgetMs);
    // The step's dispatches, in order: each chunk's layers, each layer's parts, then its finish step.
    const dispatches: [number, number, number][] = [];
    let macs = 0;
    while (this.chunk < this.chunks) {
      const cost = pass.dispatchMacs(frame, this.chunk, this.layer, this.part);
      if (macs > 0 && macs + cost > budget) break;
      dispatches.push([this.chunk, this.layer, this.part]);
      macs += cost;
      this.part++;
      if (this.part >= pass.parts(frame, this.layer)) {
        this.part = 0;
        this.layer++;
      }
      if (this.layer > frame.layersRun) {
        this.layer = 0;
        this.chunk++;
      }
    }
    // A uniform slot for each (chunk, part) of the step, shared by its layers.
    const pairs = [...new Set(dispatches.map(([c, , p]) => `${c},${p}`))].map(
      (key) => key.split(',').map(Number) as [number, number],
    );
    const slots = new Map(pairs.map(([c, p], i) => [`${c},${p}`, i]));
    pass.writeDispatches(frame, pairs);
    for (const [c, l, p] of dispatches) pass.encodeDispatch(encoder, frame, slots.get(`${c},${p}`) ?? 0, c, l);
    return macs;
  }

  /** Whether the current stride's grid is done: every tile (fast) or every chunk (brute force). */
  private strideComplete(unitsDone: number): boolean {
    if (!this.levelFast) return this.chunk >= this.chunks;
    return unitsDone >= this.levelTiles;
  }

  destroy(): void {
    this.staging.destroy();
  }
}
