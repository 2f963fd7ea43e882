/** `npm run analyze` and `npm run study` as a user runs them: the JSON contract, exit codes, the files written. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enumerateRegions } from '../../src/analysis/polygons.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { parseMlpBytes, serializeNet } from '../../src/model/files/netFile.ts';
import { netToSafetensors } from '../../src/model/files/netTensors.ts';
import { randomNet } from '../../src/model/random.ts';
import { runCli } from '../support/cli.ts';
import { testSeed } from '../support/seed.ts';
import { torchFileOfNet } from '../support/torchWriter.ts';

const kAnalyze = 'src/cli/analyze.ts';
const dir = mkdtempSync(join(tmpdir(), 'reluscope-analyze-'));

describe('npm run analyze', () => {
  it('prints the exact line and view numbers of a net file as JSON', async () => {
    const seed = testSeed('e2e/analyze.test.ts#1') % 100000;
    const net = randomNet({ widths: [12, 12], sigmaB: 0.4, seed });
    const file = join(dir, `net-${seed}.json`);
    writeFileSync(file, serializeNet(net));
    const run = await runCli(kAnalyze, [
      '--net',
      file,
      '--json',
      '--line',
      '-1,-0.5,1.2,0.7',
      '--view',
      '0.1,-0.2,2.5',
      '--samples',
      '200',
      '--theorem-grid',
      '16',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      line: { regions: number; breakpoints: number[] };
      view: { regions: number; boundaryLength: number; area: number; distance: { mean: number } };
    };
    const walk = walkSegment(net, [-1, -0.5], [1.2, 0.7]);
    expect(report.line.regions, `seed ${seed}`).toBe(walk.regions);
    expect(report.line.breakpoints).toEqual(walk.breakpoints);
    expect(report.line.breakpoints.every((t, i, all) => t > 0 && t < 1 && (i === 0 || t > (all[i - 1] ?? 0)))).toBe(
      true,
    );
    const exact = enumerateRegions(net, { x0: -1.15, y0: -1.45, x1: 1.35, y1: 1.05 });
    expect(report.view.regions, `seed ${seed}`).toBe(exact.regions);
    expect(report.view.boundaryLength).toBeCloseTo(exact.boundaryLength, 9);
    expect(report.view.area).toBeCloseTo(6.25, 9);
    expect(report.view.distance.mean).toBeGreaterThan(0);
  });

  it('reads a PyTorch .pt and a .safetensors file of a net as its relu-mlp file', async () => {
    // PyTorch's float32: the relu-mlp file holds the same float32 values, exactly.
    const pt = torchFileOfNet(randomNet({ widths: [9, 7], sigmaB: 0.4, seed: 5 }));
    const read = parseMlpBytes(pt);
    if (!read.ok) throw new Error(read.error);
    const files = { 'net.pt': pt, 'net.pth': pt, 'net.safetensors': netToSafetensors(read.net, 'F32') };
    const runs = [];
    for (const [name, bytes] of [...Object.entries(files), ['net.json', serializeNet(read.net)] as const]) {
      writeFileSync(join(dir, name), bytes);
      runs.push(runCli(kAnalyze, ['--net', join(dir, name), '--json', '--line', '-1,-0.5,1.2,0.7', '--view', '0,0,2']));
    }
    const outputs = await Promise.all(runs);
    for (const run of outputs) expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(outputs[0]?.stdout ?? '').line.regions).toBeGreaterThan(1);
    // The same numbers, the timings aside.
    const numbers = (stdout: string) => JSON.stringify(JSON.parse(stdout, (key, v) => (key === 'seconds' ? 0 : v)));
    expect(new Set(outputs.map((run) => numbers(run.stdout))).size).toBe(1);
  });

  it('counts the sawtooth preset exactly and prints a readable summary without --json', async () => {
    const plot = join(dir, 'sawtooth.svg');
    const run = await runCli(kAnalyze, ['--preset', 'sawtooth:9', '--line', '0,0.5,1,0.5', '--plot', plot]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^line: 512 regions \(511 breakpoints\)/);
    // The output along the segment: one vertex at each end and at each of the 511 breakpoints.
    const path = /<path d="(M[^"]+)"/.exec(readFileSync(plot, 'utf8'))?.[1] ?? '';
    expect(path.split('L')).toHaveLength(513);
  });

  it('exits 2 on bad arguments and 1 on a bad net file', async () => {
    for (const args of [
      [],
      ['--line', '0,0,1'],
      ['--view', '0,0,-1'],
      ['--widths', 'abc', '--line', '0,0,1,1'],
      ['--bogus', '1'],
    ]) {
      const run = await runCli(kAnalyze, args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(/analyze: .+\nUsage/);
    }
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"format": "relu-mlp", "version": 1, "inputDim": 2, "hidden": [{"weight": [[1, NaN]]}]}');
    const run = await runCli(kAnalyze, ['--net', bad, '--line', '0,0,1,1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/bad\.json/);
  });
});

describe('npm run study', () => {
  it('writes the table, the JSON and the plots of a small study', async () => {
    const out = join(dir, 'study');
    const run = await runCli('src/cli/study.ts', [
      '--out',
      out,
      '--seeds',
      '2',
      '--neurons',
      '12',
      '--depths',
      '1,2',
      '--sizes',
      '4,6',
      '--size-depth',
      '2',
      '--lines',
      '4',
      '--samples',
      '100',
      '--sawtooth',
      '5',
      '--perturb',
      '0,0.001,0.3',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const csv = readFileSync(join(out, 'study.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(1 + 2 * 4);
    const json = JSON.parse(readFileSync(join(out, 'study.json'), 'utf8')) as {
      rows: { widths: number[]; seed: number; viewRegions: number; crossingsPerLengthPerNeuron: number }[];
      sawtooth: { epsilon: number; meanRegions: number }[];
    };
    expect(json.rows).toHaveLength(2 * 4);
    for (const row of json.rows) {
      const net = randomNet({ widths: row.widths, sigmaB: 0.5, seed: row.seed });
      expect(row.viewRegions, row.widths.join('x')).toBe(
        enumerateRegions(net, { x0: -1, y0: -1, x1: 1, y1: 1 }).regions,
      );
    }
    expect(json.rows.every((r) => r.crossingsPerLengthPerNeuron > 0)).toBe(true);
    expect(json.sawtooth[0]).toMatchObject({ epsilon: 0, meanRegions: 32 });
    for (const name of ['study-depth.svg', 'study-size.svg', 'study-sawtooth.svg']) {
      expect(existsSync(join(out, name)), name).toBe(true);
      expect(readFileSync(join(out, name), 'utf8')).toMatch(/^<svg[\s\S]*<path d="M/);
    }
  });
});
