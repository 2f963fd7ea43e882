/**
 * The training table: a training run's settings, one row each, behind the app's Training folder, its URL keys
 * (`train.KEY`) and the flags of `npm run train`, with one set of defaults. Parsers check the form of a value (a
 * number, an integer, a choice) and refuse one that is not; what only the data can judge (a learning rate of 0, a
 * batch larger than the training set, too few samples) is the trainer's to refuse, with its own message.
 */
import { escaped, quoted } from '../model/quote.ts';
import { type DatasetName, kDatasets } from '../train/datasets.ts';
import type { RunSpec } from '../train/run.ts';
import { kOptimizers, type Optimizer } from '../train/trainer.ts';
import {
  kLimits,
  type Label,
  type Parsed,
  type Property,
  parseChoice,
  parseInteger,
  parseNumber,
  parseWidths,
} from './parsers.ts';

export interface TrainingSettings {
  dataset: DatasetName;
  /** Gaussian noise of the 2-D sets' points. */
  noise: number;
  /** Points of a 2-D set, train and test together. */
  samples: number;
  /** The share of a 2-D set held out for testing. */
  testFraction: number;
  /** Hidden widths of the net trained (He init, one output per class). */
  widths: number[];
  /** Standard deviation of the initial biases. */
  sigmaB: number;
  /** Seed of the data set, the initial weights and the batch order. */
  seed: number;
  optimizer: Optimizer;
  lr: number;
  batch: number;
  /** Steps of the run; `epochs` > 0 takes its place. */
  steps: number;
  /** Passes over the training set; 0: train for `steps`. */
  epochs: number;
  /** The steps measured and saved: `default` or `N,N,...` (src/train/schedule.ts). */
  checkpoints: string;
}

/**
 * One set of defaults for the app and the command line. 3 x 32 and Adam at 0.01 on two spirals of 1000 points,
 * batch 128, seed 1: 98.4% train, 98.0% test after 500 steps, 99.6% / 97.5% after 2000 (at 1e-3: 74% / 74% after
 * 500; 3 x 64 is as accurate and 2 to 3 times slower a step).
 */
export const kDefaultTraining: Readonly<TrainingSettings> = {
  dataset: 'spirals',
  noise: 0.05,
  samples: 1000,
  testFraction: 0.2,
  widths: [32, 32, 32],
  sigmaB: 0.1,
  seed: 1,
  optimizer: 'adam',
  lr: 0.01,
  batch: 128,
  steps: 2000,
  epochs: 0,
  checkpoints: 'default',
};

/** The URL keys of the training table: `train.lr=0.01`. */
export const kTrainingPrefix = 'train.';

/** Any finite number: what it means is for the data set or the trainer to judge. */
const anyNumber = (text: string, label: Label) => parseNumber(text, label, -Number.MAX_VALUE, Number.MAX_VALUE);

/** `default`, or steps N,N,... (integers from 0; the trainer checks them against the run's steps). */
function parseCheckpoints(text: string, label: Label): Parsed<string> | string {
  if (text === 'default') return { value: text };
  const parts = text.split(',');
  if (!parts.every((p) => /^\s*\d{1,9}\s*$/.test(p))) {
    return `${label.name}${label.sep}${escaped(text, 60)}: expected default or steps N,N,... (integers from 0)`;
  }
  return { value: parts.map((p) => String(Number(p))).join(',') };
}

export const kTrainingTable: { readonly [K in keyof TrainingSettings]: Property<TrainingSettings[K]> } = {
  dataset: {
    parse: parseChoice(kDatasets),
    format: String,
    flag: 'dataset',
    value: kDatasets.join('|'),
    name: 'data set',
    help: '2-D sets (seeded; drawn over the picture), or MNIST (the mnist package: per digit 0..799 train, the rest test)',
  },
  noise: {
    parse: anyNumber,
    format: String,
    flag: 'noise',
    value: 'S',
    help: 'Gaussian noise of the 2-D points (0 to 10)',
  },
  samples: {
    parse: (t, l) => parseInteger(t, l, 0, 1e9),
    format: String,
    flag: 'samples',
    value: 'N',
    help: 'points of a 2-D set, train and test (10 to 1000000)',
  },
  testFraction: {
    parse: anyNumber,
    format: String,
    flag: 'test-fraction',
    value: 'F',
    name: 'test fraction',
    help: 'share of a 2-D set held out for testing (hollow dots in the app)',
  },
  widths: {
    parse: parseWidths,
    format: (w) => w.join(','),
    flag: 'widths',
    value: 'W,W,...',
    name: 'widths (trained)',
    help: 'hidden widths of the net trained (He init, one output per class)',
  },
  sigmaB: {
    parse: (t, l) => parseNumber(t, l, 0, kLimits.maxSigmaB),
    format: String,
    flag: 'sigma-b',
    value: 'S',
    name: 'sigma_b (init)',
    help: 'standard deviation of the initial biases',
  },
  seed: {
    parse: (t, l) => parseInteger(t, l, 0, 2 ** 32 - 1),
    format: String,
    flag: 'seed',
    value: 'N',
    name: 'seed (training)',
    help: 'seed of the data, the initial weights and the batch order',
  },
  optimizer: {
    parse: parseChoice(kOptimizers),
    format: String,
    flag: 'optimizer',
    value: kOptimizers.join('|'),
    help: "Adam (PyTorch's defaults) or plain SGD",
  },
  lr: {
    parse: anyNumber,
    format: String,
    flag: 'lr',
    value: 'RATE',
    name: 'learning rate',
    help: 'the step size of the optimizer (above 0)',
  },
  batch: {
    parse: (t, l) => parseInteger(t, l, -1e9, 1e9),
    format: String,
    flag: 'batch',
    value: 'B',
    help: 'samples per step, minibatches reshuffled every epoch (at most the training set)',
  },
  steps: {
    parse: (t, l) => parseInteger(t, l, 1, 1e9),
    format: String,
    flag: 'steps',
    value: 'N',
    help: 'minibatch steps of the run (unless epochs is more than 0)',
  },
  epochs: {
    parse: (t, l) => parseNumber(t, l, 0, 1e6),
    format: String,
    flag: 'epochs',
    value: 'E',
    name: 'epochs (0: steps)',
    help: 'passes over the training set, rounded up to a step, instead of the steps (0: the steps)',
  },
  checkpoints: {
    parse: parseCheckpoints,
    format: String,
    flag: 'checkpoints',
    value: 'default|N,N,...',
    help: 'steps measured and saved: default = 0, 1, 2, 4, 8, ..., every epoch, the last step; or those listed',
  },
};

export const kTrainingKeys = Object.keys(kTrainingTable) as (keyof TrainingSettings)[];

export function cloneTraining(settings: Readonly<TrainingSettings>): TrainingSettings {
  return { ...settings, widths: [...settings.widths] };
}

/** A setting's value as text (the URL, the usage's defaults, the panel). */
export function formatTraining<K extends keyof TrainingSettings>(key: K, value: TrainingSettings[K]): string {
  return (kTrainingTable[key].format as (v: TrainingSettings[K]) => string)(value);
}

/**
 * Reads one setting's text into `settings`: a value that does not parse, or (the command line, `strict`) one out of
 * range, is reported and not applied; out of range elsewhere it is clamped with a message.
 */
export function readTraining(
  settings: TrainingSettings,
  key: keyof TrainingSettings,
  text: string,
  label: Label,
  strict: boolean,
): string | null {
  const parsed = kTrainingTable[key].parse(text, label);
  if (typeof parsed === 'string') return parsed;
  if (parsed.clamped && strict) return parsed.clamped;
  (settings as unknown as Record<string, unknown>)[key] = parsed.value;
  return parsed.clamped ? `${parsed.clamped}; using ${formatTraining(key, parsed.value)}` : null;
}

/** The `train.KEY=value` pairs of a URL hash over `base`; other keys are not the training table's. */
export function trainingFromParams(
  params: URLSearchParams,
  base: Readonly<TrainingSettings> = kDefaultTraining,
): { settings: TrainingSettings; messages: string[] } {
  const settings = cloneTraining(base);
  const messages: string[] = [];
  for (const [name, text] of params) {
    if (!name.startsWith(kTrainingPrefix)) continue;
    const key = name.slice(kTrainingPrefix.length);
    if (!(kTrainingKeys as string[]).includes(key)) {
      messages.push(`unknown setting ${quoted(name, 40)} ignored`);
      continue;
    }
    const k = key as keyof TrainingSettings;
    const problem = readTraining(settings, k, text, { name, sep: '=' }, false);
    if (problem)
      messages.push(problem.includes('; using') ? problem : `${problem}; kept ${formatTraining(k, settings[k])}`);
  }
  return { settings, messages };
}

/**
 * The URL pairs of the settings: those that differ from the defaults, or all of them (`all`: once a run started,
 * so that the link says the run's settings whatever later defaults are).
 */
export function trainingToParams(settings: Readonly<TrainingSettings>, all: boolean): [string, string][] {
  return kTrainingKeys
    .map((key) => [key, formatTraining(key, settings[key]), formatTraining(key, kDefaultTraining[key])] as const)
    .filter(([, text, fallback]) => all || text !== fallback)
    .map(([key, text]) => [`${kTrainingPrefix}${key}`, text]);
}

/** The run the settings ask for. */
export function runSpecOf(settings: Readonly<TrainingSettings>): RunSpec {
  const epochs = settings.epochs > 0 ? settings.epochs : null;
  return {
    dataset: {
      name: settings.dataset,
      seed: settings.seed,
      noise: settings.noise,
      samples: settings.samples,
      testFraction: settings.testFraction,
    },
    widths: [...settings.widths],
    sigmaB: settings.sigmaB,
    seed: settings.seed,
    optimizer: settings.optimizer,
    lr: settings.lr,
    batch: settings.batch,
    steps: epochs === null ? settings.steps : null,
    epochs,
    checkpoints: settings.checkpoints,
  };
}
