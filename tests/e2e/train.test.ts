/**
 * `npm run train` as a user runs it: the files other tools read (names and formats), determinism, bad settings that
 * stop cleanly keeping what was written, a signal, and `shot --run DIR --sweep checkpoints`.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kMetricsFileColumns } from '../../src/cli/trainFiles.ts';
import { parseMlpBytes } from '../../src/model/files/netFile.ts';
import { netFromSafetensors } from '../../src/model/files/netTensors.ts';
import type { MetricsRow } from '../../src/train/run.ts';
import { readPng, runCli } from '../support/cli.ts';

const kTrain = 'src/cli/train.ts';
const dir = mkdtempSync(join(tmpdir(), 'reluscope-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small, quick run: 200 spiral points (160 to train on, 3 batches of 64 an epoch), a 2 x 8 net. */
const kSmall = ['--samples', '200', '--widths', '8,8', '--batch', '64', '--lr', '0.01', '--seed', '3'];
const train = (out: string, more: readonly string[] = []) =>
  runCli(kTrain, [...kSmall, '--steps', '20', ...more, '--out', out]);

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));
const checkpointFiles = (out: string): string[] =>
  readdirSync(out)
    .filter((name) => /^step-\d+\.json$/.test(name))
    .sort((a, b) => Number(a.slice(5, -5)) - Number(b.slice(5, -5)));

describe('npm run train', () => {
  it('writes the checkpoints, metrics, data, settings and plots under their documented names', async () => {
    const out = join(dir, 'run');
    const result = await train(out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/trained 20 steps/);
    expect(result.stderr).toMatch(/step 20\/20 +epoch 6\.80/);
    const rows = readJson(join(out, 'metrics.json')) as MetricsRow[];
    // default: 0, geometric 1, 2, 4, 8, 16, the epoch ends 3, 6, ..., 18, and the last step.
    expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 6, 8, 9, 12, 15, 16, 18, 20]);
    for (const row of rows) {
      expect(Object.keys(row).sort()).toEqual([...kMetricsFileColumns].sort());
      expect(row.loss).toBeGreaterThan(0);
      // The share of the 160 training and 40 test points classified right.
      expect(row.trainAccuracy * 160).toBeCloseTo(Math.round(row.trainAccuracy * 160), 9);
      expect(row.testAccuracy * 40).toBeCloseTo(Math.round(row.testAccuracy * 40), 9);
      expect(row.testAccuracy).toBeLessThanOrEqual(1);
      expect(row.lineRegions).toHaveLength(8);
      expect(row.viewRegions).toBeGreaterThan(0);
    }
    expect(rows[0]?.epoch).toBe(0);
    // Six epochs and two batches of 64 of the 160 points.
    expect(rows.at(-1)?.epoch).toBeCloseTo(6.8, 12);
    // Every checkpoint is a relu-mlp file; the last is the final model, also as safetensors.
    expect(checkpointFiles(out)).toEqual(rows.map((r) => `step-${r.step}.json`));
    const nets = rows.map((r) => {
      const parsed = parseMlpBytes(readFileSync(join(out, `step-${r.step}.json`)));
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.net;
    });
    expect(nets[0]?.hidden.map((l) => l.outDim)).toEqual([8, 8]);
    expect(nets[0]?.output?.outDim).toBe(2);
    expect(nets[0]?.hidden[0]?.weight).not.toEqual(nets.at(-1)?.hidden[0]?.weight);
    const final = netFromSafetensors(readFileSync(join(out, 'final.safetensors')));
    expect(final.hidden[1]?.weight).toEqual(nets.at(-1)?.hidden[1]?.weight);
    expect(final.output?.bias).toEqual(nets.at(-1)?.output?.bias);
    // metrics.csv: the same columns and rows.
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe(
      'step,epoch,loss,trainAccuracy,testLoss,testAccuracy,regionsPerLengthPerNeuron,lineRegions,viewRegions,' +
        'regionsOverHalfN2,meanDistanceTimesNeurons,distanceQuantilesTimesNeurons,seconds,run',
    );
    expect(csv).toHaveLength(rows.length + 1);
    expect(csv[1]?.split(',')[7]).toBe(rows[0]?.lineRegions.join(';'));
    // data.json: the 2-D points of both splits and their classes.
    const data = readJson(join(out, 'data.json')) as Record<'train' | 'test', { x: number[][]; y: number[] }>;
    expect([data.train.x.length, data.train.y.length, data.test.x.length, data.test.y.length]).toEqual([
      160, 160, 40, 40,
    ]);
    expect(data.train.x.every((p) => p.length === 2 && p.every(Number.isFinite))).toBe(true);
    expect(new Set([...data.train.y, ...data.test.y])).toEqual(new Set([0, 1]));
    const run = readJson(join(out, 'run.json')) as Record<string, unknown>;
    expect(run).toMatchObject({ format: 'reluscope-train-run', stepsPerEpoch: 3, totalSteps: 20, inputDim: 2 });
    // One run id in every file, and no lock left.
    expect(run.run).toMatch(/^[0-9a-f]{12}$/);
    expect(result.stdout).toContain(`(run ${run.run})`);
    expect(rows.every((r) => (r as MetricsRow & { run: string }).run === run.run)).toBe(true);
    expect((readJson(join(out, 'data.json')) as { run: string }).run).toBe(run.run);
    expect((readJson(join(out, 'step-20.json')) as { metadata: unknown }).metadata).toEqual({ run: run.run, step: 20 });
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
    expect(run.spec).toMatchObject({ widths: [8, 8], lr: 0.01, batch: 64, seed: 3, steps: 20, optimizer: 'adam' });
    for (const svg of ['loss.svg', 'regions.svg', 'distance.svg']) {
      expect(readFileSync(join(out, svg), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<path d="M/);
    }
  });

  it('gives byte-identical checkpoints for the same settings and seed, and other weights for another seed', async () => {
    const [a, b, c] = ['same-a', 'same-b', 'other'].map((name) => join(dir, name));
    const runs = await Promise.all([
      train(a ?? '', ['--checkpoints', '0,7']),
      train(b ?? '', ['--checkpoints', '0,7']),
      train(c ?? '', ['--checkpoints', '0,7', '--seed', '4']),
    ]);
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const files = checkpointFiles(a ?? '');
    expect(files).toEqual(['step-0.json', 'step-7.json', 'step-20.json']);
    // Byte for byte, but for the run ids (each run has its own).
    const idOf = (dir: string) => (readJson(join(dir, 'run.json')) as { run: string }).run;
    const bytes = (dir: string, name: string) =>
      readFileSync(join(dir, name), 'latin1')
        .replaceAll(idOf(dir), 'RUN')
        .replace(/"run":"RUN",?/, '');
    expect(idOf(a ?? '')).not.toBe(idOf(b ?? ''));
    for (const name of [...files, 'final.safetensors', 'data.json']) {
      expect(bytes(b ?? '', name) === bytes(a ?? '', name), name).toBe(true);
    }
    expect(bytes(c ?? '', 'step-20.json') === bytes(a ?? '', 'step-20.json')).toBe(false);
  });

  it('--epochs E trains E whole epochs', async () => {
    const out = join(dir, 'epochs');
    const result = await runCli(kTrain, [...kSmall, '--epochs', '2', '--checkpoints', '3', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const rows = readJson(join(out, 'metrics.json')) as MetricsRow[];
    expect(rows.map((r) => [r.step, r.epoch])).toEqual([
      [0, 0],
      [3, 1],
      [6, 2],
    ]);
  });

  it.each([
    [['--lr', '0'], /learning rate must be a positive number, not 0/],
    [['--lr', '-1'], /learning rate must be a positive number, not -1/],
    [['--batch', '161'], /batch size 161 is larger than the training set \(160 samples\)/],
    [['--samples', '0'], /10 to 1000000 samples, not 0/],
    [['--samples', '10', '--test-fraction', '0.99', '--batch', '1'], /the training set is empty/],
    [['--checkpoints', '5,21'], /"21" is not a step in 0\.\.20/],
  ])('bad settings %j: a message, exit code 1, nothing written', async (args, message) => {
    const out = join(dir, `bad-${args.join('')}`);
    const result = await train(out, args);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/nothing was written/);
    expect(existsSync(out)).toBe(false);
  });

  it('a diverging loss (a huge rate) stops the run; the checkpoints before it and their metrics stay', async () => {
    const out = join(dir, 'nan');
    const result = await train(out, ['--lr', '1e6', '--checkpoints', '0,1,2,10']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /the loss (is NaN|diverged to \S+) at step \d+: the learning rate 1000000 is too large/,
    );
    expect(result.stderr).toMatch(/keeps 1 checkpoint up to step 0 and the metrics/);
    const rows = readJson(join(out, 'metrics.json')) as MetricsRow[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]?.step).toBe(0);
    expect(rows.every((r) => Number.isFinite(r.loss))).toBe(true);
    expect(checkpointFiles(out)).toEqual(rows.map((r) => `step-${r.step}.json`));
    expect(parseMlpBytes(readFileSync(join(out, `step-${rows.at(-1)?.step}.json`))).ok).toBe(true);
    expect(existsSync(join(out, 'final.safetensors'))).toBe(false);
    // The trainer's one rule (src/train): the net after step 1 has weights of about 1e100; one step number.
    const huge = await train(join(dir, 'huge'), ['--lr', '1e100']);
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(
      /train: the loss (is NaN|is Infinity|diverged to \S+) at step 1: the learning rate 1e\+100 is too large; .*huge keeps 1 checkpoint up to step 0 and the metrics/,
    );
  });

  it('a write that fails stops the run; the message counts the checkpoints written, as metrics.json lists them', async () => {
    const out = join(dir, 'unwritable');
    // step-8.json cannot be written: a folder holds its name.
    mkdirSync(join(out, 'step-8.json'), { recursive: true });
    writeFileSync(join(out, 'step-8.json', 'x'), '');
    const result = await train(out);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot write .*step-8\.json/);
    const rows = readJson(join(out, 'metrics.json')) as MetricsRow[];
    expect(rows.map((r) => r.step)).toEqual([0, 1, 2, 3, 4, 6]);
    expect(result.stderr).toMatch(/keeps 6 checkpoints up to step 6 and the metrics/);
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
  });

  it('one run at a time in a folder: a second run is refused, a stale lock is taken over, files of another run are refused by shot --run', async () => {
    const out = join(dir, 'locked');
    const first = runCli(kTrain, [...kSmall, '--widths', '256,256', '--steps', '100000', '--out', out]);
    await new Promise<void>((resolve) => {
      first.child.stderr?.on('data', () => {
        if (existsSync(join(out, 'step-2.json'))) resolve();
      });
    });
    const id = (readJson(join(out, 'run.json')) as { run: string }).run;
    const second = await train(out);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `is being written by run ${id} \\(pid ${first.child.pid}, started [^)]+\\): one run at a time.*; nothing was written`,
      ),
    );
    expect((readJson(join(out, 'run.json')) as { run: string }).run).toBe(id);
    first.child.kill('SIGTERM');
    expect((await first).code).toBe(143);
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
    // A lock left by a process that is gone (SIGKILL): taken over, with a message.
    const gone = runCli(process.execPath, ['-e', ''], {}, true);
    await gone;
    const lock = { run: 'dead0', pid: gone.child.pid, host: hostname(), started: '2020-01-01T00:00:00.000Z' };
    writeFileSync(join(out, 'train.lock'), JSON.stringify(lock));
    const third = await train(out);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toMatch(
      new RegExp(`took over the lock of run dead0 \\(pid ${gone.child.pid}, .*no longer running`),
    );
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
    // A checkpoint of another run copied in: shot --run says so and draws nothing.
    const other = join(dir, 'other');
    expect((await train(other, ['--seed', '9'])).code).toBe(0);
    copyFileSync(join(other, 'step-6.json'), join(out, 'step-6.json'));
    const shot = await runCli('src/cli/shot.ts', ['--run', out, '--sweep', 'checkpoints', '--size', '64x64']);
    expect(shot.code).toBe(1);
    expect(shot.stderr).toMatch(
      /step-6\.json" is of run "[0-9a-f]+", not of run\.json's run [0-9a-f]+: two runs wrote/,
    );
    expect(existsSync(join(out, 'partition-step-0.png'))).toBe(false);
  });

  it('a wide net: every long phase shows its progress, and SIGTERM is answered within a second', async () => {
    const out = join(dir, 'wide');
    const run = runCli(kTrain, ['--widths', '1024,1024,1024,1024', '--steps', '5', '--out', out]);
    let stderr = '';
    const phase = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 60_000);
      run.child.stderr?.on('data', (chunk) => {
        stderr += chunk;
        if (/checkpoint 0: (loss and accuracy|regions along line)/.test(stderr)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
    });
    expect(phase, stderr).toBe(true);
    const sent = performance.now();
    let answered = Number.POSITIVE_INFINITY;
    run.child.stderr?.on('data', (chunk) => {
      if (String(chunk).includes('SIGTERM: stopping')) answered = Math.min(answered, performance.now() - sent);
    });
    run.child.kill('SIGTERM');
    const result = await run;
    const exited = performance.now() - sent;
    console.log(`[train] SIGTERM answered in ${answered.toFixed(0)} ms, exited in ${exited.toFixed(0)} ms`);
    expect(result.code).toBe(143);
    expect(answered).toBeLessThan(1000);
    expect(exited).toBeLessThan(3000);
    expect(existsSync(join(out, 'train.lock'))).toBe(false);
  });

  it.each([
    [['--bogus'], /unknown flag --bogus/],
    [['--steps', '5', '--epochs', '1', '--out', 'x'], /--steps or --epochs, not both/],
    [['--dataset', 'iris', '--out', 'x'], /--dataset "iris" is not one of spirals, circles/],
    [['--lr', 'fast', '--out', 'x'], /--lr "fast" is not a finite number/],
    [['--steps', '10'], /--out DIR is required/],
    [['--steps', '10', '--out', ''], /--out "": give a folder/],
    [['--steps', '10', '--out', '  '], /--out " {2}": give a folder/],
  ])('bad flags %j: usage, exit code 2', async (args, message) => {
    const result = await runCli(kTrain, args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Usage: npm run train/);
  });

  it('SIGTERM stops the run; the checkpoints written and their metrics stay consistent', async () => {
    const out = join(dir, 'signal');
    const run = runCli(kTrain, [...kSmall, '--widths', '256,256', '--steps', '100000', '--out', out]);
    await new Promise<void>((resolve) => {
      run.child.stderr?.on('data', () => {
        if (existsSync(join(out, 'step-2.json'))) resolve();
      });
    });
    run.child.kill('SIGTERM');
    const result = await run;
    expect(result.code).toBe(143);
    expect(result.stderr).toMatch(/keeps \d+ checkpoints up to step \d+/);
    const rows = readJson(join(out, 'metrics.json')) as MetricsRow[];
    expect(checkpointFiles(out)).toEqual(rows.map((r) => `step-${r.step}.json`));
    expect(readdirSync(out).filter((name) => name.includes('reluscope-tmp'))).toEqual([]);
  });
});

describe('npm run shot --run DIR --sweep checkpoints', () => {
  it('draws one picture per checkpoint and a contact sheet labelled with the steps', async () => {
    const out = join(dir, 'shots');
    const trained = await train(out, ['--checkpoints', '0,6']);
    expect(trained.code, trained.stderr).toBe(0);
    const result = await runCli('src/cli/shot.ts', ['--run', out, '--sweep', 'checkpoints', '--size', '160x96']);
    expect(result.code, result.stderr).toBe(0);
    for (const step of [0, 6, 20]) {
      const png = readPng(join(out, `partition-step-${step}.png`));
      expect([png.width, png.height]).toEqual([160, 96]);
    }
    expect(result.stdout).toMatch(/partition-step-0\.png .* \d+ distinct patterns among the pixels/);
    const sheet = readPng(join(out, 'partition-sheet.png'));
    expect([sheet.width, sheet.height]).toEqual([2 * 160 + 3 * 8, 2 * 96 + 3 * 8]);
    // The first label, "step 0 (init)", black on white at the thumbnail's top-left corner.
    const colours = new Set<string>();
    for (let y = 8; y < 8 + 21; y++) {
      for (let x = 8; x < 8 + 159; x++)
        colours.add(sheet.data.subarray((y * sheet.width + x) * 4, (y * sheet.width + x) * 4 + 3).join(','));
    }
    expect([...colours].sort()).toEqual(['0,0,0', '255,255,255']);
  });

  it('--sweep checkpoints needs --run, and --run a run folder', async () => {
    const alone = await runCli('src/cli/shot.ts', ['--sweep', 'checkpoints', '--out', join(dir, 'x.png')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--sweep checkpoints and --run DIR go together/);
    const missing = await runCli('src/cli/shot.ts', ['--run', join(dir, 'nowhere'), '--sweep', 'checkpoints']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /"[^"]*nowhere" does not exist: --run takes the folder that npm run train --out wrote/,
    );
  });
});
