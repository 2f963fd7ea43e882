/**
 * Flags of `npm run train`. The net's flags (--widths, --sigma-b, --seed) come from the settings table, as in shot and
 * analyze. Flags are checked here (exit 2); settings that only the data can judge (a learning rate of 0, a batch
 * larger than the training set, an empty set) are the trainer's to refuse, with a message and exit code 1.
 */
import { join } from 'node:path';
import { escaped, quoted } from '../model/quote.ts';
import { cloneSettings, kDefaultSettings } from '../settings/settings.ts';
import { type DatasetName, kDatasets, kDefaultDataset } from '../train/datasets.ts';
import type { RunSpec } from '../train/run.ts';
import { kOptimizers, type Optimizer } from '../train/trainer.ts';
import {
  type Command,
  integerFlag,
  numberFlag,
  settingFlags,
  settingsFromFlags,
  textFlag,
  UsageError,
  type Values,
} from './commandLine.ts';
import { checkOutputPath } from './outputs.ts';

export interface TrainArgs {
  readonly spec: RunSpec;
  /** The folder written. */
  readonly out: string;
}

export const kTrainDefaults = {
  widths: [32, 32, 32],
  sigmaB: 0.1,
  steps: 2000,
  lr: 1e-3,
  batch: 128,
  optimizer: 'adam' as Optimizer,
  checkpoints: 'default',
} as const;

const kData = 'data';
const kNet = 'net (He init)';
const kTraining = 'training';

export const kTrainCommand: Command = {
  name: 'train',
  summary: `Trains a ReLU MLP (float64 on the CPU, deterministic) and measures its partition at checkpoints.
Writes DIR/step-N.json (relu-mlp), final.safetensors, metrics.json, metrics.csv, run.json, data.json (2-D sets),
loss.svg, regions.svg, distance.svg.`,
  flags: [
    {
      name: 'dataset',
      value: kDatasets.join('|'),
      help: '2-D synthetic sets, or MNIST (the mnist package: per digit 0..799 train, the rest test)',
      group: kData,
      default: kDefaultDataset.name,
    },
    {
      name: 'noise',
      value: 'S',
      help: 'Gaussian noise of the 2-D points',
      group: kData,
      default: String(kDefaultDataset.noise),
    },
    {
      name: 'samples',
      value: 'N',
      help: 'points of a 2-D set, train and test',
      group: kData,
      default: String(kDefaultDataset.samples),
    },
    {
      name: 'test-fraction',
      value: 'F',
      help: 'share of a 2-D set held out for testing',
      group: kData,
      default: String(kDefaultDataset.testFraction),
    },
    ...settingFlags(['widths', 'sigmaB', 'seed'], kNet).map((f) => {
      const ours: Record<string, string> = {
        widths: kTrainDefaults.widths.join(','),
        'sigma-b': String(kTrainDefaults.sigmaB),
        seed: '1',
      };
      const help =
        f.name === 'seed' ? 'seed of the data, the initial weights and the batch order' : f.help.split(';')[0];
      return { ...f, help: help ?? f.help, default: ours[f.name] ?? f.default ?? '' };
    }),
    {
      name: 'steps',
      value: 'N',
      help: 'minibatch steps (or --epochs)',
      group: kTraining,
      default: String(kTrainDefaults.steps),
    },
    { name: 'epochs', value: 'E', help: 'passes over the training set (instead of --steps)', group: kTraining },
    { name: 'lr', value: 'RATE', help: 'learning rate', group: kTraining, default: String(kTrainDefaults.lr) },
    {
      name: 'batch',
      value: 'B',
      help: 'minibatch size (at most the training set)',
      group: kTraining,
      default: String(kTrainDefaults.batch),
    },
    {
      name: 'optimizer',
      value: kOptimizers.join('|'),
      help: "Adam (PyTorch's defaults) or plain SGD",
      group: kTraining,
      default: kTrainDefaults.optimizer,
    },
    {
      name: 'checkpoints',
      value: 'default|N,N,...',
      help: 'steps measured and saved: default = 0, 1, 2, 4, 8, ..., every epoch, the last step',
      group: 'output',
      default: kTrainDefaults.checkpoints,
    },
    { name: 'out', value: 'DIR', help: 'the folder written (required)', group: 'output' },
  ],
  epilogue:
    'Exit codes: 0 done; 1 bad settings (a learning rate of 0 or below, a batch larger than the training set, an\n' +
    'empty set), a loss that is not finite (what was written so far is kept), a file that could not be written;\n' +
    '2 bad arguments; 128+N on signal N (what was written so far is kept).',
};

function choice<T extends string>(values: Values, name: string, allowed: readonly T[], fallback: T): T {
  const text = textFlag(values, name);
  if (text === null) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} ${quoted(text, 30)}: expected ${allowed.join(', ')}`);
  }
  return text as T;
}

/** --checkpoints: 'default' or steps N,N,... (integers from 0), as given. */
function checkpointsFlag(values: Values): string {
  const text = textFlag(values, 'checkpoints');
  if (text === null || text === 'default') return kTrainDefaults.checkpoints;
  const parts = text.split(',');
  if (!parts.every((p) => /^\d{1,9}$/.test(p.trim()))) {
    throw new UsageError(`--checkpoints ${escaped(text, 60)}: expected default or steps N,N,... (integers from 0)`);
  }
  return parts.map((p) => String(Number(p))).join(',');
}

/** A finite number, any sign: what it means is for the data set or the trainer to judge (exit code 1). */
function anyNumber(values: Values, name: string, fallback: number): number {
  const text = textFlag(values, name);
  if (text === null) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new UsageError(`--${name} ${escaped(text, 40)}: expected a number`);
  return value;
}

export function trainArgs(values: Values): TrainArgs {
  const out = textFlag(values, 'out');
  if (out === null) throw new UsageError('--out DIR is required');
  const problem = checkOutputPath(join(out, 'metrics.json'));
  if (problem) throw new UsageError(`--out: ${problem}`);
  if (values.steps !== undefined && values.epochs !== undefined) {
    throw new UsageError('give --steps or --epochs, not both');
  }
  const settings = settingsFromFlags(values, {
    ...cloneSettings(kDefaultSettings),
    widths: [...kTrainDefaults.widths],
    sigmaB: kTrainDefaults.sigmaB,
  });
  const name: DatasetName = choice(values, 'dataset', kDatasets, kDefaultDataset.name);
  const epochs = values.epochs === undefined ? null : numberFlag(values, 'epochs', 1e-9, 1e6, 1);
  // Any number: a rate of 0 or below, or a batch of 0, is refused by the trainer with its own message (exit 1).
  return {
    out,
    spec: {
      dataset: {
        name,
        seed: settings.seed,
        noise: anyNumber(values, 'noise', kDefaultDataset.noise),
        samples: integerFlag(values, 'samples', 0, 1e9, kDefaultDataset.samples),
        testFraction: anyNumber(values, 'test-fraction', kDefaultDataset.testFraction),
      },
      widths: settings.widths,
      sigmaB: settings.sigmaB,
      seed: settings.seed,
      optimizer: choice(values, 'optimizer', kOptimizers, kTrainDefaults.optimizer),
      lr: anyNumber(values, 'lr', kTrainDefaults.lr),
      batch: integerFlag(values, 'batch', -1e9, 1e9, kTrainDefaults.batch),
      steps: epochs === null ? integerFlag(values, 'steps', 1, 1e9, kTrainDefaults.steps) : null,
      epochs,
      checkpoints: checkpointsFlag(values),
    },
  };
}
