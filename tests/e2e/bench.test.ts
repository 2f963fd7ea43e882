/** `npm run bench` runs and prints rows of the documented shape (its numbers are not asserted: no timed tests). */
import { describe, expect, it } from 'vitest';
import type { BenchRow } from '../../src/cli/benchRow.ts';
import type { InteractionRow } from '../../src/cli/interactionBench.ts';
import type { TrainingRow } from '../../src/cli/trainingBench.ts';
import { runCli } from '../support/cli.ts';

describe('npm run bench', () => {
  it('--json prints one row per case and mode, with the numpy baseline when numpy is there', async () => {
    const result = await runCli('src/cli/bench.ts', ['--smoke', '--json', '--frames', '2', '--no-baseline']);
    expect(result.code, result.stderr).toBe(0);
    const {
      frames: rows,
      interaction,
      training,
    } = JSON.parse(result.stdout) as {
      frames: BenchRow[];
      interaction: InteractionRow[];
      training: TrainingRow[];
    };
    expect(rows.map((r) => [r.widths.join(','), r.mode])).toEqual([
      ['8,8', 'brute'],
      ['8,8', 'fast'],
      ['6,6,6', 'brute'],
      ['6,6,6', 'fast'],
    ]);
    for (const row of rows) {
      expect(row.msPerFrame).toBeGreaterThan(0);
      expect(row.frames).toBe(2);
      expect([row.width, row.height]).toEqual(row.widths.length === 2 ? [48, 40] : [40, 32]);
    }
    expect(rows[0]?.fullEvalsPerPixel).toBe(1);
    expect(rows[1]?.fullEvalsPerPixel).toBeGreaterThan(0);
    expect(rows[1]?.fullEvalsPerPixel).toBeLessThan(1);
    // The app (npm start): a first visit whose marks come in order, its first picture, a finished one after it; a
    // second visit; three zooms each answered on screen, then computed.
    expect(interaction.map((r) => [r.name, r.width, r.height, r.zooms])).toEqual([['8,8', 320, 240, 3]]);
    const [row] = interaction;
    if (!row) throw new Error('no interaction row');
    const { modulesMs, gpuMs, netMs, startedMs, firstGridMs, firstPictureMs } = row.first;
    expect(modulesMs).toBeGreaterThan(0);
    for (const [earlier, later] of [
      [modulesMs, gpuMs],
      [gpuMs, netMs],
      [netMs, startedMs],
      [startedMs, firstGridMs],
      [firstGridMs, firstPictureMs],
    ] as const) {
      expect(later).toBeGreaterThanOrEqual(earlier);
    }
    expect(row.second.firstPictureMs).toBeGreaterThan(0);
    expect(row.finishedMs).toBeGreaterThanOrEqual(firstPictureMs);
    expect(row.inputToScreenMs).toBeGreaterThan(0);
    expect(row.inputToPictureMs).toBeGreaterThanOrEqual(row.inputToScreenMs);
    // Training on the CPU: spirals, and an MNIST epoch extrapolated from the steps timed.
    expect(training.map((r) => [r.dataset, r.layers.join('-'), r.batch, r.extrapolated])).toEqual([
      ['spirals', '2-8-8-2', 16, true],
      ['mnist', '784-8-10', 64, true],
    ]);
    for (const r of training) {
      expect(r.stepsPerSecond).toBeGreaterThan(0);
      expect(r.epochSeconds).toBeCloseTo((r.stepsPerEpoch * r.msPerStep) / 1000, 9);
    }
    expect(training[1]?.stepsPerEpoch).toBe(125);
  });

  it('--no-training leaves the training rows out', async () => {
    const result = await runCli('src/cli/bench.ts', [
      '--smoke',
      '--json',
      '--frames',
      '1',
      '--no-baseline',
      '--no-interaction',
      '--no-training',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { training: unknown[] }).training).toEqual([]);
  });

  it('bad flags: usage and exit code 2', async () => {
    const result = await runCli('src/cli/bench.ts', ['--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/Usage: npm run bench/);
  });
});
