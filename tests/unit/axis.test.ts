/** The value axes of the analysis panel's charts: three ticks, labelled apart, at any range. */
import { describe, expect, it } from 'vitest';
import { axisScale } from '../../src/app/analysis/axis.ts';
import { Random } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

function expectReadable(min: number, max: number): void {
  const what = `[${min}, ${max}]`;
  const { lo, hi, ticks, labels } = axisScale(min, max);
  expect(ticks.length, what).toBe(3);
  expect(lo, what).toBeLessThanOrEqual(Math.min(min, max));
  expect(hi, what).toBeGreaterThanOrEqual(Math.max(min, max));
  const step = (ticks[1] ?? 0) - (ticks[0] ?? 0);
  ticks.forEach((t, i) => {
    expect(t, what).toBeGreaterThanOrEqual(lo - 1e-9 * step);
    expect(t, what).toBeLessThanOrEqual(hi + 1e-9 * step);
    expect(Math.abs(t - (ticks[0] ?? 0) - i * step), what).toBeLessThanOrEqual(1e-6 * step + 1e-15 * Math.abs(t));
  });
  expect(new Set(labels).size, `${what}: ${labels}`).toBe(labels.length);
}

describe('axisScale', () => {
  it('ranges where uPlot gave one tick or equal labels, a flat line, tiny and huge values', () => {
    expect(axisScale(0.31, 0.39).labels).toEqual(['0.325', '0.35', '0.375']);
    expect(axisScale(1000, 1001).labels).toEqual(['1000', '1000.5', '1001']);
    expect(axisScale(5, 50000).labels).toEqual(['0', '25k', '50k']);
    expect(axisScale(0.5, 0.5).labels).toEqual(['0.45', '0.5', '0.55']);
    // Three ticks in the data's range where a step puts them there, else the range widened to three ticks.
    expect(axisScale(0.1, 3.9)).toEqual({ lo: 0.1, hi: 3.9, ticks: [1, 2, 3], labels: ['1', '2', '3'] });
    expect(axisScale(0, 3.2)).toEqual({ lo: 0, hi: 4, ticks: [0, 2, 4], labels: ['0', '2', '4'] });
    for (const [min, max] of [
      [0, 1],
      [-2.4, -2],
      [0.1231, 0.1234],
      [1234.5, 1234.9],
      [-1e-20, 1e-20],
      [0, 0],
      [-3, 250],
      [3e7, 3.0001e7],
      [-1e300, 1e300],
    ] as const) {
      expectReadable(min, max);
    }
  });

  it('random ranges, down to a width of 1e-10 of their values', () => {
    const rng = new Random(testSeed('unit/axis.test.ts'));
    for (let trial = 0; trial < 2000; trial++) {
      const centre = rng.normal() * 10 ** Math.round(6 * rng.normal());
      const width = Math.abs(centre || 1) * 10 ** (-10 * rng.uniform());
      expectReadable(centre - width / 2, centre + width / 2);
    }
  });
});
