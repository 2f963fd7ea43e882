/** Messages between the app and its training worker (src/app/training/worker.ts). */
import type { Net } from '../../model/net.ts';
import type { MetricsRow, RunSpec } from '../../train/run.ts';

export type TrainingRequest =
  /** A new run (the worker drops any run it had). */
  | { readonly kind: 'start'; readonly spec: RunSpec }
  | { readonly kind: 'pause' }
  | { readonly kind: 'resume' }
  /** The app has drawn the last live net: the next one may come (the picture paces the live nets). */
  | { readonly kind: 'want' };

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

export type TrainingReply =
  | { readonly kind: 'progress'; readonly progress: TrainingProgress }
  /** The weights now, between checkpoints: the app shows them live. */
  | { readonly kind: 'live'; readonly step: number; readonly net: Net }
  | { readonly kind: 'checkpoint'; readonly net: Net; readonly row: MetricsRow }
  | { readonly kind: 'done'; readonly progress: TrainingProgress }
  /** Bad settings or a non-finite loss: the run stops (its checkpoints so far were posted). */
  | { readonly kind: 'error'; readonly message: string };
