/**
 * Training speed (bench.ts's training rows): minibatch steps of the float64 CPU trainer (src/train/), timed after a
 * warm-up step, on the 2-D spirals and on MNIST. One MNIST epoch is timed whole when it has at most `maxSteps`
 * steps, else `maxSteps` steps are timed and the epoch extrapolated (the row says so).
 */
import { randomNet } from '../model/random.ts';
import { type DatasetName, type DatasetSpec, makeDataset } from '../train/datasets.ts';
import { Trainer } from '../train/trainer.ts';
import { nodeDigits } from './mnistFiles.ts';

export interface TrainingCase {
  readonly dataset: DatasetName;
  readonly widths: readonly number[];
  readonly batch: number;
  /** Steps timed at most. */
  readonly maxSteps: number;
  /** Stop timing after this many seconds (at least one step). */
  readonly maxSeconds: number;
  /** Time a whole epoch (extrapolated from maxSteps when an epoch is longer). */
  readonly epoch?: boolean;
}

export interface TrainingRow {
  readonly kind: 'training';
  readonly dataset: DatasetName;
  /** Every layer's width, the input and the output included (784,64,64,64,10). */
  readonly layers: readonly number[];
  readonly batch: number;
  /** Steps timed. */
  readonly steps: number;
  readonly msPerStep: number;
  readonly stepsPerSecond: number;
  readonly stepsPerEpoch: number;
  /** Seconds of one epoch: timed, or stepsPerEpoch x msPerStep when `extrapolated`. */
  readonly epochSeconds: number;
  readonly extrapolated: boolean;
}

// 1280 spiral points, 20% held out: 1024 to train on, 8 full batches of 128 an epoch.
const kSpirals: DatasetSpec = { name: 'spirals', seed: 1, noise: 0.05, samples: 1280, testFraction: 0.2 };

export const kTrainingCases: TrainingCase[] = [
  { dataset: 'spirals', widths: [64, 64, 64], batch: 128, maxSteps: 1000, maxSeconds: 3 },
  { dataset: 'spirals', widths: [1024, 1024, 1024, 1024], batch: 128, maxSteps: 5, maxSeconds: 10 },
  { dataset: 'mnist', widths: [64, 64, 64], batch: 64, maxSteps: 1000, maxSeconds: 120, epoch: true },
];

/** `--smoke`: tiny cases that check the rows (the MNIST epoch extrapolated from 3 steps). */
export const kSmokeTrainingCases: TrainingCase[] = [
  { dataset: 'spirals', widths: [8, 8], batch: 16, maxSteps: 5, maxSeconds: 1 },
  { dataset: 'mnist', widths: [8], batch: 64, maxSteps: 3, maxSeconds: 1, epoch: true },
];

export function measureTraining(c: TrainingCase): TrainingRow {
  const data = makeDataset(c.dataset === 'mnist' ? { ...kSpirals, name: 'mnist' } : kSpirals, nodeDigits);
  const net = randomNet({ widths: c.widths, sigmaB: 0.1, seed: 1, inputDim: data.inputDim, outputs: data.classes });
  const trainer = new Trainer(net, data, { optimizer: 'adam', lr: 1e-3, batch: c.batch, seed: 1 });
  const { stepsPerEpoch } = trainer;
  const whole = c.epoch === true && stepsPerEpoch <= c.maxSteps;
  // A warm-up step (the JIT), then the timed ones; a whole epoch starts at an epoch's start.
  trainer.train();
  if (whole) while (trainer.step % stepsPerEpoch !== 0) trainer.train();
  const limit = whole ? stepsPerEpoch : c.maxSteps;
  const start = performance.now();
  let steps = 0;
  while (steps < limit && (whole || steps === 0 || performance.now() - start < c.maxSeconds * 1000)) {
    trainer.train();
    steps++;
  }
  const ms = performance.now() - start;
  const msPerStep = ms / steps;
  return {
    kind: 'training',
    dataset: c.dataset,
    layers: [data.inputDim, ...c.widths, data.classes],
    batch: c.batch,
    steps,
    msPerStep,
    stepsPerSecond: 1000 / msPerStep,
    stepsPerEpoch,
    epochSeconds: whole ? ms / 1000 : (stepsPerEpoch * msPerStep) / 1000,
    extrapolated: !whole,
  };
}
