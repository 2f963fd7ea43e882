/**
 * A computation of the fields in progress (Renderer.beginFields): the job (fieldsJob.ts) that writes the back buffers
 * coarse to fine, seen from outside as steps that can be given up at any time. A pan by whole pixels moves the pixels
 * still in view and computes only the tiles with new ones.
 */
import type { Layer, Net } from '../model/net.ts';
import { cpuGridFits, writeCpuGrid } from './cpuGrid.ts';
import { GpuError } from './device.ts';
import type { Slot } from './fieldsBuffers.ts';
import { FieldsJob, type JobProgress, type JobSetup, type JobTuning } from './fieldsJob.ts';
import type { BrutePass } from './fieldsPass.ts';
import type { FieldsRequest, FieldsTarget } from './fieldsRequest.ts';
import type { Stored } from './fieldsStore.ts';
import { type Algorithm, kLabelsBase, kLabelWords, kTileSide } from './layout.ts';
import type { Paces } from './pace.ts';
import { encodeShift, exposedTiles } from './panReuse.ts';
import type { TilePass } from './regionsPass.ts';

export type { JobProgress };

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

/** What a computation needs of the renderer. */
export interface ComputationSetup {
  readonly device: GPUDevice;
  readonly request: FieldsRequest;
  readonly algorithm: Algorithm;
  /** Grids from the coarsest to 1 (a pan computes its new tiles at stride 1 only). */
  readonly strides: readonly number[];
  readonly slot: Slot;
  readonly counters: GPUBuffer;
  /** A whole-pixel pan of the front fields `from`, or null. */
  readonly pan: { readonly from: GPUBuffer; readonly dx: number; readonly dy: number } | null;
  readonly passes: { readonly fast: TilePass; readonly brute: BrutePass };
  /** The hidden layers the passes draw (the balanced net's). */
  readonly layers: readonly Layer[];
  /** The net as read, and the power of two of the balanced net's outputs: what a first grid on the CPU computes. */
  readonly net: Net;
  /**
   * A network that is not an MLP: computed by the graph's brute-force pass (`passes.brute`), with its multiply-adds an
   * evaluation; `layers` and `net` are then unused.
   */
  readonly graph?: { readonly macsPerEval: number } | null;
  readonly outputExponent: number;
  readonly pace: Paces;
  readonly tuning: JobTuning;
  /** What the fields will hold, given the pixels the pan moved. */
  stored(reusedPixels: number): Stored;
  /** The last step ended: the back slot holds the fields (the renderer swaps it to the front). */
  completed(stored: Stored, slot: Slot): void;
  /** The computation ended without completing (abandoned). */
  released(computation: Computation): void;
}

/** Labels after a pan: every pixel of the tiles not in `list` done (moved), those in it to do. */
function panLabels(tiles: number, list: Uint32Array): Uint32Array<ArrayBuffer> {
  const words = new Uint32Array(tiles * (kLabelWords + 1));
  words.fill(0xffffffff, 0, tiles * kLabelWords);
  for (const tile of list) words.fill(0, tile * kLabelWords, (tile + 1) * kLabelWords);
  return words;
}

/** Multiply-adds of one evaluation (with tangents) of the first `layers` of `hidden`. */
export function evaluationMacs(hidden: readonly Layer[], layers = hidden.length): number {
  return hidden.slice(0, layers).reduce((sum, layer) => sum + 3 * layer.inDim * layer.outDim, 0);
}

/**
 * The first grid on the CPU (cpuGrid.ts) while the shader of the pass that would compute it is not compiled yet,
 * when it is cheap enough; written into `target`. Not for a pan's tiles, nor a computation of one grid.
 */
function firstGrid(
  s: ComputationSetup,
  strides: readonly number[],
  target: FieldsTarget,
  pan: boolean,
): { firstGrid?: Uint32Array } {
  const stride = strides[0] ?? 1;
  const choice = s.tuning.cpuFirstGrid;
  if (pan || strides.length < 2 || choice === 'never' || s.graph) return {};
  const pass = s.algorithm === 'fast' ? s.passes.fast : s.passes.brute;
  if (choice !== 'always' && (pass.ready(s.request) || !cpuGridFits(s.request, stride, evaluationMacs(s.layers)))) {
    return {};
  }
  return { firstGrid: writeCpuGrid(s.device, s.net, s.outputExponent, s.request, target, stride) };
}

/** Starts a computation: clears the counters (moves a pan's pixels) and prepares the job. */
export function startComputation(s: ComputationSetup): Computation {
  const { device, request, pan } = s;
  const { size } = request;
  const target: FieldsTarget = { ...s.slot, counters: s.counters };
  const tiles = Math.ceil(size.width / kTileSide) * Math.ceil(size.height / kTileSide);
  const list = pan ? exposedTiles(size, pan.dx, pan.dy) : null;
  const encoder = device.createCommandEncoder({ label: 'Renderer.beginFields' });
  encoder.clearBuffer(s.counters);
  if (pan) encodeShift(encoder, pan.from, s.slot.fields, size, pan.dx, pan.dy);
  device.queue.submit([encoder.finish()]);
  if (list) device.queue.writeBuffer(s.counters, kLabelsBase * 4, panLabels(tiles, list));
  const strides = pan ? [1] : s.strides;
  const layersRun = request.computeOutput
    ? s.layers.length
    : Math.max(1, Math.min(s.layers.length, Math.round(request.layersShown)));
  // Brute force serves the region-seeded algorithm's coarse grids with too few tiles and evaluations too long for a
  // step (fieldsJob.ts). Each pass is begun (its shader variant compiled) only when a grid first needs it.
  const setup: JobSetup = {
    device,
    fast:
      s.algorithm === 'fast'
        ? {
            begin: async () => ({ pass: s.passes.fast, frame: await s.passes.fast.begin(request, target, list) }),
            tiles: list ? list.length : tiles,
            macsPerEval: s.graph?.macsPerEval ?? evaluationMacs(s.layers),
          }
        : null,
    brute:
      s.algorithm === 'brute' || !list
        ? {
            begin: async () => ({ pass: s.passes.brute, frame: await s.passes.brute.begin(request, target) }),
            macsPerEval: s.graph?.macsPerEval ?? evaluationMacs(s.layers, layersRun),
          }
        : null,
    target,
    tiles,
    strides,
    pixelsTotal: list ? list.length * kTileSide * kTileSide : size.width * size.height,
    pace: s.pace,
    tuning: s.tuning,
  };
  const job = new FieldsJob({ ...setup, ...firstGrid(s, strides, target, list !== null) });
  const stored = s.stored(pan ? (size.width - Math.abs(pan.dx)) * (size.height - Math.abs(pan.dy)) : 0);
  return steppedComputation(job, strides, stored, s);
}

/**
 * The job as a Computation. A computation given up during a step (a new net, a new size) has its passes' buffers
 * replaced under it: what that step does or throws after that is of no use and no error, and its job is destroyed once
 * the step settles. A step asked of a computation given up does nothing; of one that completed, it is a bug.
 */
function steppedComputation(
  job: FieldsJob,
  strides: readonly number[],
  stored: Stored,
  s: ComputationSetup,
): Computation {
  let ended = false;
  let abandoned = false;
  let stepping = false;
  const computation = {
    strides,
    stored,
    // A first grid done before the first step (the CPU's) is where it stands at once.
    progress: (job.idleProgress().strideDone ? job.idleProgress() : null) as JobProgress | null,
    step: async (budgetMs: number | null): Promise<JobProgress> => {
      // Given up between two steps (a new net while the picture was presented): nothing to do and no error; the
      // caller sees that its fields are no longer asked for.
      if (abandoned) return { ...(computation.progress ?? job.idleProgress()), done: false };
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
        s.completed(stored, s.slot);
        job.destroy();
      }
      return progress;
    },
    abandon: (): void => {
      if (ended) return;
      ended = true;
      abandoned = true;
      if (!stepping) job.destroy();
      s.released(computation);
    },
  };
  return computation;
}
