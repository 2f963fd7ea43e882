/** The Training folder's settings and the run they ask for. */
import { describe, expect, it } from 'vitest';
import { kDefaultTraining, kInitSigmaB, runSpecOf } from '../../src/app/training/runSettings.ts';

describe('runSpecOf', () => {
  it('the defaults: spirals, 3 x 64, Adam, 2000 steps, the default checkpoints', () => {
    expect(runSpecOf({ ...kDefaultTraining })).toEqual({
      dataset: { name: 'spirals', seed: 1, noise: 0.05, samples: 1000, testFraction: 0.2 },
      widths: [64, 64, 64],
      sigmaB: kInitSigmaB,
      seed: 1,
      optimizer: 'adam',
      lr: 0.01,
      batch: 128,
      steps: 2000,
      epochs: null,
      checkpoints: 'default',
    });
  });

  it('epochs above 0 take the place of the steps', () => {
    const spec = runSpecOf({ ...kDefaultTraining, epochs: 3 });
    expect(typeof spec !== 'string' && [spec.steps, spec.epochs]).toEqual([null, 3]);
  });

  it('says what is wrong: widths that do not parse, no steps', () => {
    expect(runSpecOf({ ...kDefaultTraining, widths: '64,abc' })).toMatch(/training widths/);
    expect(runSpecOf({ ...kDefaultTraining, steps: 0 })).toMatch(/at least one step/);
    expect(runSpecOf({ ...kDefaultTraining, steps: 2.5 })).toMatch(/at least one step/);
  });
});
