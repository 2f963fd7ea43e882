/**
 * What a new user reads: counts in the singular when there is one, and the two counts of regions named apart (the
 * exact polygons of train and analyze; the distinct patterns among the pixels of shot).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { counted } from '../../src/model/format.ts';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'reluscope-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('singular and plural', () => {
  it('counted: "1 file", "2 files", "0 files"', () => {
    expect([0, 1, 2].map((n) => counted(n, 'file'))).toEqual(['0 files', '1 file', '2 files']);
    expect(counted(1, 'matrix', 'matrices')).toBe('1 matrix');
  });

  it('analyze: one region, breakpoint, neuron, point, pattern and hidden layer', async () => {
    const args = ['--widths', '1', '--line', '0,0,0.001,0', '--view', '0,0,1e-6', '--samples', '1', '--pixels', '1'];
    const run = await runCli('src/cli/analyze.ts', args);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^line: 1 region \(0 breakpoints\), length 0\.001, 1 neuron, /);
    expect(run.stdout).toMatch(/\nview: 1 region, /);
    expect(run.stdout).toMatch(/ over 1 point, /);
    expect(run.stdout).toMatch(/\npixels: 1 distinct pattern among 1\^2 pixel centres/);
    const layers = await runCli('src/cli/analyze.ts', ['--widths', '1', '--layers', '2', '--line', '0,0,1,0']);
    expect(layers.code).toBe(2);
    expect(layers.stderr).toMatch(/^analyze: --layers 2: the net has 1 hidden layer\n/);
  });
});

describe('regions counted exactly and patterns among pixels, named apart', () => {
  it('train: "N regions in view (exact)" (polygons)', async () => {
    const args = ['--dataset', 'xor', '--widths', '4', '--steps', '2', '--samples', '100', '--batch', '16'];
    const run = await runCli('src/cli/train.ts', [...args, '--checkpoints', '0,2', '--out', join(dir, 'run')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/step 2 .*, \d+ regions? in view \(exact\), /);
    expect(run.stdout).toMatch(/wrote 2 checkpoints, metrics and plots/);
  });

  it('shot: "wrote 1 file" (its distinct patterns among the pixels: tests/e2e/train.test.ts, --run)', async () => {
    const run = await runCli('src/cli/shot.ts', ['--widths', '1', '--size', '16x8', '--out', join(dir, 'one.png')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/net: 1 \(1 neuron\)\n/);
    expect(run.stdout).toMatch(/^wrote 1 file in /);
  });
});
