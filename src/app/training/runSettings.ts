/** The Training folder's settings (what the panel edits) and the run they ask for. */

import { parseWidths } from '../../settings/settings.ts';
import type { DatasetName } from '../../train/datasets.ts';
import type { RunSpec } from '../../train/run.ts';
import type { Optimizer } from '../../train/trainer.ts';

export interface TrainingSettings {
  dataset: DatasetName;
  /** Gaussian noise of the 2-D sets' points. */
  noise: number;
  /** Points of a 2-D set, train and test together (a fifth held out). */
  samples: number;
  /** Hidden widths of the net trained, e.g. "64,64,64". */
  widths: string;
  optimizer: Optimizer;
  lr: number;
  batch: number;
  /** Steps of the run; `epochs` > 0 takes its place. */
  steps: number;
  epochs: number;
  /** Seed of the data set, the initial weights and the batch order. */
  seed: number;
}

export const kDefaultTraining: Readonly<TrainingSettings> = {
  dataset: 'spirals',
  noise: 0.05,
  samples: 1000,
  widths: '64,64,64',
  optimizer: 'adam',
  lr: 0.01,
  batch: 128,
  steps: 2000,
  epochs: 0,
  seed: 1,
};

/** The biases' standard deviation at initialization (the weights are He's). */
export const kInitSigmaB = 0.1;

/** The run the settings ask for, or why there is none (the trainer checks the rest: the rate, the batch). */
export function runSpecOf(settings: TrainingSettings): RunSpec | string {
  const widths = parseWidths(settings.widths, { name: 'training widths', sep: ' ' });
  if (typeof widths === 'string') return widths;
  const epochs = settings.epochs > 0 ? settings.epochs : null;
  if (epochs === null && !(Number.isInteger(settings.steps) && settings.steps >= 1)) {
    return `train for at least one step (or a number of epochs), not ${settings.steps} steps`;
  }
  return {
    dataset: {
      name: settings.dataset,
      seed: settings.seed,
      noise: settings.noise,
      samples: settings.samples,
      testFraction: 0.2,
    },
    widths: widths.value,
    sigmaB: kInitSigmaB,
    seed: settings.seed,
    optimizer: settings.optimizer,
    lr: settings.lr,
    batch: settings.batch,
    steps: epochs === null ? settings.steps : null,
    epochs,
    checkpoints: 'default',
  };
}
