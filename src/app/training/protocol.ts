/**
 * Messages between the app and its training worker (src/app/training/worker.ts). Every reply names its run (the id
 * the app gave at the start) and every net its step: the app drops what is not of its current run.
 */
import type { Net } from '../../model/net.ts';
import type { MetricsRow, RunSpec } from '../../train/run.ts';

export type TrainingRequest =
  /** A new run (the worker drops any run it had). */
  | { readonly kind: 'start'; readonly run: number; readonly spec: RunSpec }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  /** The picture of the last net is drawn: the next live net may come (the picture paces the live nets). */
  | { readonly kind: 'want' }
  /**
   * Whether a net's picture is being computed: meanwhile the worker trains half the time, leaving the other half of
   * its core to the picture (on a CPU-only WebGPU, SwiftShader, the picture and training share the cores).
   */
  | { readonly kind: 'drawing'; readonly busy: boolean };

/** Where a run stands, posted a few times a second. */
export interface TrainingProgress {
  readonly step: number;
  readonly total: number;
  readonly epoch: number;
  /** The last batch's mean loss (before its update). */
  readonly loss: number;
  /** Steps a second over the last second or so spent in steps (the measures at checkpoints left out). */
  readonly stepsPerSecond: number;
  /** Seconds the last checkpoint's evaluation and measures took. */
  readonly measureSeconds: number;
}

export type TrainingReply = { readonly run: number } & (
  | { readonly kind: 'progress'; readonly progress: TrainingProgress }
  /** The weights after `step` steps, between checkpoints (the first: the initial net, at once): shown live. */
  | { readonly kind: 'live'; readonly step: number; readonly net: Net }
  | { readonly kind: 'checkpoint'; readonly step: number; readonly net: Net; readonly row: MetricsRow }
  | { readonly kind: 'done'; readonly progress: TrainingProgress }
  /** Bad settings or a diverged loss: the run stops (its checkpoints so far were posted). */
  | { readonly kind: 'error'; readonly message: string }
);
