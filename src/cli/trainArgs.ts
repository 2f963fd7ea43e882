/**
 * Flags of `npm run train`: one per row of the training table (src/settings/training.ts, which also drives the app's
 * Training folder and its URL keys), with its defaults, and --out. A value that does not parse is a usage error (exit
 * 2); settings that only the data can judge (a learning rate of 0, a batch larger than the training set, too few
 * samples) are the trainer's to refuse, with a message and exit code 1.
 */
import { join } from 'node:path';
import { quoted } from '../model/quote.ts';
import {
  cloneTraining,
  formatTraining,
  kDefaultTraining,
  kTrainingKeys,
  kTrainingTable,
  readTraining,
  runSpecOf,
  type TrainingSettings,
} from '../settings/training.ts';
import type { RunSpec } from '../train/run.ts';
import type { Command, Flag, Values } from './commandLine.ts';
import { checkOutputPath } from './outputs.ts';
import { UsageError } from './usageError.ts';

export interface TrainArgs {
  readonly spec: RunSpec;
  /** The folder written. */
  readonly out: string;
}

const kGroups: Record<keyof TrainingSettings, string> = {
  dataset: 'data',
  noise: 'data',
  samples: 'data',
  testFraction: 'data',
  widths: 'net (He init)',
  sigmaB: 'net (He init)',
  seed: 'net (He init)',
  optimizer: 'training',
  lr: 'training',
  batch: 'training',
  steps: 'training',
  epochs: 'training',
  checkpoints: 'output',
};

function tableFlag(key: keyof TrainingSettings): Flag {
  const row = kTrainingTable[key];
  const fallback = formatTraining(key, kDefaultTraining[key]);
  return { name: row.flag ?? key, value: row.value ?? 'VALUE', help: row.help, group: kGroups[key], default: fallback };
}

export const kTrainCommand: Command = {
  name: 'train',
  summary: `Trains a ReLU MLP (float64 on the CPU, deterministic) and measures its partition at checkpoints.
Writes DIR/step-N.json (relu-mlp), final.safetensors, metrics.json, metrics.csv, run.json, data.json (2-D sets),
loss.svg, regions.svg, distance.svg; DIR/train.lock while it runs.`,
  flags: [
    ...kTrainingKeys.map(tableFlag),
    { name: 'out', value: 'DIR', help: 'the folder written (required; one run at a time)', group: 'output' },
  ],
  epilogue:
    'Exit codes: 0 done; 1 bad settings (a learning rate of 0 or below, a batch larger than the training set, an\n' +
    'empty set), a folder another run is writing, a loss that diverges (what was written so far is kept), a file\n' +
    'that could not be written; 2 bad arguments; 128+N on signal N (what was written so far is kept).',
};

export function trainArgs(values: Values): TrainArgs {
  const out = typeof values.out === 'string' ? values.out : null;
  if (out === null) throw new UsageError('--out DIR is required');
  if (out.trim() === '') throw new UsageError(`--out ${quoted(out, 20)}: give a folder (the current one is ./)`);
  const problem = checkOutputPath(join(out, 'metrics.json'));
  if (problem) throw new UsageError(`--out: ${problem}`);
  if (values.steps !== undefined && values.epochs !== undefined) {
    throw new UsageError('give --steps or --epochs, not both');
  }
  const settings = cloneTraining(kDefaultTraining);
  const problems: string[] = [];
  for (const key of kTrainingKeys) {
    const flag = kTrainingTable[key].flag ?? key;
    const text = values[flag];
    if (typeof text !== 'string') continue;
    const message = readTraining(settings, key, text, { name: `--${flag}`, sep: ' ' }, true);
    if (message) problems.push(message);
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  return { out, spec: runSpecOf(settings) };
}
