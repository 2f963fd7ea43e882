/** The training table: one row per setting behind the app's Training folder, its URL keys and `npm run train`. */
import { describe, expect, it } from 'vitest';
import { kTrainCommand, trainArgs } from '../../src/cli/trainArgs.ts';
import { settingsFromHash } from '../../src/settings/settings.ts';
import {
  kDefaultTraining,
  kTrainingKeys,
  kTrainingTable,
  runSpecOf,
  trainingFromParams,
  trainingToParams,
} from '../../src/settings/training.ts';

describe('the training table', () => {
  it('one set of defaults: spirals, 3 x 32, Adam at 0.01, 2000 steps, the default checkpoints', () => {
    expect(runSpecOf(kDefaultTraining)).toEqual({
      dataset: { name: 'spirals', seed: 1, noise: 0.05, samples: 1000, testFraction: 0.2 },
      widths: [32, 32, 32],
      sigmaB: 0.1,
      seed: 1,
      optimizer: 'adam',
      lr: 0.01,
      batch: 128,
      steps: 2000,
      epochs: null,
      checkpoints: 'default',
    });
    expect(runSpecOf({ ...kDefaultTraining, epochs: 3 })).toMatchObject({ steps: null, epochs: 3 });
  });

  it('the command line: a flag per row, its default the table default; the run of no flags is the default run', () => {
    const flags = kTrainCommand.flags.map((f) => f.name);
    expect(flags).toEqual([...kTrainingKeys.map((k) => kTrainingTable[k].flag), 'out']);
    const lr = kTrainCommand.flags.find((f) => f.name === 'lr');
    expect(lr?.default).toBe('0.01');
    expect(kTrainCommand.flags.find((f) => f.name === 'widths')?.default).toBe('32,32,32');
    expect(trainArgs({ out: 'x' }).spec).toEqual(runSpecOf(kDefaultTraining));
    expect(trainArgs({ out: 'x', lr: '1e-3', widths: '8,8', epochs: '2' }).spec).toMatchObject({
      lr: 1e-3,
      widths: [8, 8],
      steps: null,
      epochs: 2,
    });
    expect(() => trainArgs({ out: 'x', lr: 'abc' })).toThrow(/--lr "abc" is not a finite number/);
    expect(() => trainArgs({ out: 'x', seed: '-1' })).toThrow(/--seed -1 is outside/);
  });

  it('the URL: train.KEY pairs read over a base with messages, written when not the default (or all), round trip', () => {
    const params = new URLSearchParams('train.lr=0.003&train.widths=16,16&train.dataset=moons&mode=decision');
    const { settings, messages } = trainingFromParams(params);
    expect(messages).toEqual([]);
    expect(settings).toMatchObject({ lr: 0.003, widths: [16, 16], dataset: 'moons', steps: 2000 });
    expect(trainingToParams(settings, false)).toEqual([
      ['train.dataset', 'moons'],
      ['train.widths', '16,16'],
      ['train.lr', '0.003'],
    ]);
    const all = trainingToParams(settings, true);
    expect(all.map(([k]) => k)).toEqual(kTrainingKeys.map((k) => `train.${k}`));
    expect(trainingFromParams(new URLSearchParams(all)).settings).toEqual(settings);
    const bad = trainingFromParams(new URLSearchParams('train.lr=abc&train.bogus=1&train.steps=0'), settings);
    expect(bad.settings.lr).toBe(0.003);
    expect(bad.settings.steps).toBe(1);
    expect(bad.messages).toEqual([
      'train.lr="abc" is not a finite number; kept 0.003',
      'unknown setting "train.bogus" ignored',
      'train.steps=0 is outside [1, 1000000000]; using 1',
    ]);
    // The picture's settings leave the training keys to the training table.
    expect(settingsFromHash('#train.lr=0.5&seed=3').messages).toEqual([]);
  });
});
