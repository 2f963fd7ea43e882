/**
 * A training run, the same for the command line and the app's worker: the seeded net (He init), the trainer, the
 * checkpoints and, at each, the loss, the accuracies and the papers' measures. A generator: one event per step, so
 * that the caller paces it (a progress bar, posting to the page) and can stop it at any step.
 */

import { type Measures, measureNet, type Report } from '../analysis/measures.ts';
import type { Net } from '../model/net.ts';
import { randomNet } from '../model/random.ts';
import type { Dataset, DatasetSpec } from './datasets.ts';
import { type Probes, probesFor } from './measures.ts';
import { checkpointSteps } from './schedule.ts';
import { divergence, type Optimizer, Trainer, TrainingError } from './trainer.ts';

export interface RunSpec {
  readonly dataset: DatasetSpec;
  readonly widths: readonly number[];
  readonly sigmaB: number;
  /** Seed of the initial weights and of the batch order. */
  readonly seed: number;
  readonly optimizer: Optimizer;
  readonly lr: number;
  readonly batch: number;
  /** Exactly one of steps and epochs. */
  readonly steps: number | null;
  readonly epochs: number | null;
  /** `default` or `N,N,...` (src/train/schedule.ts). */
  readonly checkpoints: string;
}

/** The measures a checkpoint keeps (src/analysis/measures.ts): the study's Crofton and polygon densities left out. */
type KeptMeasures = Pick<
  Measures,
  | 'regionsPerLengthPerNeuron'
  | 'lineRegions'
  | 'viewRegions'
  | 'regionsOverHalfN2'
  | 'meanDistanceTimesNeurons'
  | 'distanceQuantilesTimesNeurons'
>;

/** A checkpoint's row: the scores, the measures, the time. */
export interface MetricsRow extends KeptMeasures {
  readonly step: number;
  readonly epoch: number;
  /** Mean cross-entropy on the training set. */
  readonly loss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Seconds since the run started (measures included). */
  readonly seconds: number;
}

export type RunEvent =
  /** The run's initial net, before the measures of checkpoint 0 (they take seconds on a wide net). */
  | { readonly kind: 'start'; readonly total: number; readonly stepsPerEpoch: number; readonly net: Net }
  | {
      readonly kind: 'step';
      readonly step: number;
      readonly total: number;
      readonly loss: number;
      /** A copy of the weights after this step (the app's live picture; a copy, so called only when needed). */
      readonly snapshot: () => Net;
    }
  | { readonly kind: 'checkpoint'; readonly step: number; readonly net: Net; readonly row: MetricsRow };

/** The initial net of a run: He init with one output per class. */
export function initialNet(spec: RunSpec, data: Dataset): Net {
  return randomNet({
    widths: spec.widths,
    sigmaB: spec.sigmaB,
    seed: spec.seed,
    outputs: data.classes,
    inputDim: data.inputDim,
  });
}

/** Steps of the run: `steps`, or `epochs` whole epochs (rounded up to a step). */
export function totalSteps(spec: RunSpec, stepsPerEpoch: number): number {
  if (spec.steps !== null) return spec.steps;
  return Math.ceil((spec.epochs ?? 0) * stepsPerEpoch);
}

/**
 * Runs the training; throws TrainingError (bad settings, a diverged loss) after the last good checkpoint: a
 * checkpoint is yielded only when its loss on the whole training set passes the divergence rule (trainer.ts).
 * `report` is told what each phase that can take seconds is doing (drawing the initial weights, a checkpoint's
 * evaluation and measures), as it goes, for a progress display.
 */
export function* runTraining(
  spec: RunSpec,
  data: Dataset,
  probes: Probes,
  report: Report = () => {},
): Generator<RunEvent> {
  if ((spec.steps === null) === (spec.epochs === null)) throw new TrainingError('give the steps or the epochs');
  report('drawing the initial weights', 0, null);
  const initial = initialNet(spec, data);
  report('preparing the optimizer', 0, null);
  const trainer = new Trainer(initial, data, {
    optimizer: spec.optimizer,
    lr: spec.lr,
    batch: spec.batch,
    seed: spec.seed,
  });
  const total = totalSteps(spec, trainer.stepsPerEpoch);
  if (!Number.isInteger(total) || total < 1) throw new TrainingError(`the run needs at least one step, not ${total}`);
  let schedule: number[];
  try {
    schedule = checkpointSteps(total, trainer.stepsPerEpoch, spec.checkpoints);
  } catch (error) {
    throw new TrainingError((error as Error).message);
  }
  yield { kind: 'start', total, stepsPerEpoch: trainer.stepsPerEpoch, net: trainer.snapshot() };
  const start = performance.now();
  let firstLoss: number | null = null;
  const checkpoint = (): RunEvent => {
    const net = trainer.snapshot();
    const at: Report = (what, done, all) => report(`checkpoint ${trainer.step}: ${what}`, done, all);
    const scores = trainer.evaluate(at);
    firstLoss ??= scores.loss;
    const diverged = divergence(scores.loss, firstLoss, trainer.step, spec.lr, net);
    if (diverged) throw new TrainingError(diverged);
    const m = measureNet(net, probesFor(net, probes), at);
    const kept: KeptMeasures = {
      regionsPerLengthPerNeuron: m.regionsPerLengthPerNeuron,
      lineRegions: m.lineRegions,
      viewRegions: m.viewRegions,
      regionsOverHalfN2: m.regionsOverHalfN2,
      meanDistanceTimesNeurons: m.meanDistanceTimesNeurons,
      distanceQuantilesTimesNeurons: m.distanceQuantilesTimesNeurons,
    };
    const row: MetricsRow = {
      step: trainer.step,
      epoch: trainer.epoch,
      loss: scores.loss,
      trainAccuracy: scores.trainAccuracy,
      testLoss: scores.testLoss,
      testAccuracy: scores.testAccuracy,
      ...kept,
      seconds: (performance.now() - start) / 1000,
    };
    return { kind: 'checkpoint', step: trainer.step, net, row };
  };
  let next = 0;
  if (schedule[next] === 0) {
    yield checkpoint();
    next++;
  }
  while (trainer.step < total) {
    const loss = trainer.train();
    yield { kind: 'step', step: trainer.step, total, loss, snapshot: () => trainer.snapshot() };
    if (schedule[next] === trainer.step) {
      yield checkpoint();
      next++;
    }
  }
}
