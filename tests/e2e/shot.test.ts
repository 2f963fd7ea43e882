/** `npm run shot` end to end: files, fields against the oracle, sweeps, tiles, bad input, cleanup. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classColour } from '../../src/gpu/colourScale.ts';
import { decodeFieldsFile, distinctPatterns } from '../../src/model/fieldsFile.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import { evaluatePoint } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { pixelCentre, pixelSize } from '../../src/model/view.ts';
import { distinctColours, harnessChromiums, readPng, runCli } from '../support/cli.ts';
import { testSeed } from '../support/seed.ts';

const shot = (args: readonly string[], env: Record<string, string> = {}) => runCli('src/cli/shot.ts', args, env);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'reluscope-shot-test-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run shot', () => {
  it('writes a PNG of exactly the requested size and a fields file that agrees with the float64 oracle', async () => {
    const rng = new Random(testSeed('e2e/shot.test.ts#1'));
    const seed = rng.nextU32();
    const view = { cx: rng.normal() * 0.3, cy: rng.normal() * 0.3, span: 1 + 2 * rng.uniform() };
    const size = { width: 37, height: 23 };
    const out = join(dir, 'one.png');
    const fieldsPath = join(dir, 'one.rlf');
    const result = await shot([
      ...['--widths', '12,9,14', '--sigma-b', '0.4', '--seed', String(seed)],
      ...['--center', `${view.cx},${view.cy}`, '--span', String(view.span), '--size', '37x23'],
      ...['--out', out, '--fields', fieldsPath],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const png = readPng(out);
    expect([png.width, png.height]).toEqual([37, 23]);
    expect(distinctColours(png.data)).toBeGreaterThan(10);

    const fields = decodeFieldsFile(new Uint8Array(readFileSync(fieldsPath)));
    expect([fields.width, fields.height]).toEqual([37, 23]);
    const net = randomNet({ widths: [12, 9, 14], sigmaB: 0.4, seed });
    const s = pixelSize(view, size);
    let compared = 0;
    for (let j = 0; j < size.height; j++) {
      for (let i = 0; i < size.width; i++) {
        const p = j * size.width + i;
        const ref = evaluatePoint(net, ...pixelCentre(view, size, i, j));
        if (ref.distance / s <= 1e-4) continue;
        compared++;
        expect([fields.hashLo[p], fields.hashHi[p]], `pixel ${i},${j}, seed ${seed}`).toEqual(ref.hash);
        const d = fields.distance[p] ?? Number.NaN;
        if (ref.distance / s >= 0.1) expect(Math.abs(d - ref.distance) / ref.distance).toBeLessThan(1e-3);
        else expect(Math.abs(d - ref.distance) / s).toBeLessThan(1e-4);
      }
    }
    expect(compared).toBeGreaterThan(0.9 * size.width * size.height);
    expect(result.stdout).toMatch(/wrote 2 files/);
    expect(harnessChromiums()).toEqual([]);
  });

  it('a layer sweep writes L images whose region counts grow with k, and a contact sheet', async () => {
    const out = join(dir, 'sweep.png');
    const fieldsPath = join(dir, 'sweep.rlf');
    const result = await shot([
      '--widths',
      '10,10,10,10',
      '--sigma-b',
      '0.5',
      '--seed',
      '4',
      '--size',
      '64x48',
      '--sweep',
      'layers',
      '--out',
      out,
      '--fields',
      fieldsPath,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const counts = [1, 2, 3, 4].map((k) => {
      expect(readPng(join(dir, `sweep-k${k}.png`)).width).toBe(64);
      return distinctPatterns(decodeFieldsFile(new Uint8Array(readFileSync(join(dir, `sweep-k${k}.rlf`)))));
    });
    for (let k = 1; k < counts.length; k++) expect(counts[k]).toBeGreaterThan(counts[k - 1] ?? 0);
    const sheet = readPng(join(dir, 'sweep-sheet.png'));
    expect(sheet.width).toBeGreaterThan(64);
    // Each thumbnail is labelled "k=..." in black on white at its top-left corner.
    const label = new Set<string>();
    for (let y = 8; y < 8 + 21; y++) {
      for (let x = 8; x < 8 + 39; x++)
        label.add(sheet.data.subarray((y * sheet.width + x) * 4, (y * sheet.width + x) * 4 + 3).join(','));
    }
    expect([...label].sort()).toEqual(['0,0,0', '255,255,255']);
    expect(result.stderr).toMatch(/\[5\/5\]/);
  });

  it('a tiled render equals an untiled one pixel for pixel, in every colour mode', async () => {
    const batch = join(dir, 'tiles.json');
    const entries = ['regions', 'distance', 'output', 'theorem'].flatMap((mode) => [
      { mode, out: join(dir, `whole-${mode}.png`) },
      { mode, tile: 32, out: join(dir, `tiled-${mode}.png`) },
    ]);
    // An output of one sign in view: its scale spans the whole picture's range, also in tiles.
    const net = randomNet({ widths: [16, 16], sigmaB: 0.5, seed: 8 });
    const output = net.output ?? { inDim: 16, outDim: 1, weight: new Float64Array(16), bias: Float64Array.of(0) };
    const shifted = join(dir, 'shifted.json');
    writeFileSync(shifted, serializeNet({ ...net, output: { ...output, bias: output.bias.map((b) => b + 30) } }));
    entries.push(
      { mode: 'output', net: shifted, out: join(dir, 'whole-shifted.png') } as (typeof entries)[number],
      { mode: 'output', net: shifted, tile: 32, out: join(dir, 'tiled-shifted.png') } as (typeof entries)[number],
    );
    writeFileSync(batch, JSON.stringify(entries));
    const result = await shot([
      '--widths',
      '16,16',
      '--sigma-b',
      '0.5',
      '--seed',
      '8',
      '--size',
      '90x70',
      '--batch',
      batch,
    ]);
    expect(result.code, result.stderr).toBe(0);
    for (const mode of ['regions', 'distance', 'output', 'theorem', 'shifted']) {
      const whole = readPng(join(dir, `whole-${mode}.png`));
      const tiled = readPng(join(dir, `tiled-${mode}.png`));
      expect(tiled.data.equals(whole.data), mode).toBe(true);
    }
    expect(distinctColours(readPng(join(dir, 'whole-shifted.png')).data), 'not one flat colour').toBeGreaterThan(100);
    expect(result.stderr).toMatch(/\[10\/10\]/);
    expect(result.stderr).toMatch(/tiled-output\.png: tile 9\/9/);
  });

  it("--outputs, --mode decision and --unit: the classes are the oracle's argmax, a tiled render an untiled one", async () => {
    const batch = join(dir, 'classes.json');
    const entries = [
      { mode: 'decision', out: join(dir, 'whole-decision.png') },
      { mode: 'decision', tile: 32, out: join(dir, 'tiled-decision.png') },
      { mode: 'output', unit: 3, out: join(dir, 'whole-unit.png') },
      { mode: 'output', unit: 3, tile: 32, out: join(dir, 'tiled-unit.png') },
      { mode: 'output', out: join(dir, 'unit0.png') },
    ];
    writeFileSync(batch, JSON.stringify(entries));
    const spec = { widths: [16, 16], sigmaB: 0.5, seed: 8, outputs: 5 };
    const size = { width: 90, height: 70 };
    const result = await shot([
      ...['--widths', '16,16', '--sigma-b', '0.5', '--seed', '8', '--outputs', '5', '--span', '6'],
      ...['--size', '90x70', '--batch', batch],
    ]);
    expect(result.code, result.stderr).toBe(0);
    for (const name of ['decision', 'unit']) {
      const whole = readPng(join(dir, `whole-${name}.png`));
      expect(readPng(join(dir, `tiled-${name}.png`)).data.equals(whole.data), name).toBe(true);
    }
    expect(readPng(join(dir, 'whole-unit.png')).data.equals(readPng(join(dir, 'unit0.png')).data)).toBe(false);
    // Away from region edges (1 px) and decision boundaries (1.5 px) each pixel has its class's colour.
    const net = randomNet(spec);
    const view = { cx: 0, cy: 0, span: 6 };
    const s = pixelSize(view, size);
    const picture = readPng(join(dir, 'whole-decision.png'));
    const classes = new Set<number>();
    let [compared, worst] = [0, 0];
    for (let j = 0; j < size.height; j++) {
      for (let i = 0; i < size.width; i++) {
        const ref = evaluatePoint(net, ...pixelCentre(view, size, i, j));
        if (ref.distance < 1.1 * s || ref.decision.distance < 1.7 * s) continue;
        const colour = classColour(ref.decision.predicted);
        const p = (j * size.width + i) * 4;
        for (let c = 0; c < 3; c++) {
          worst = Math.max(worst, Math.abs((picture.data[p + c] ?? 0) - Math.round(255 * (colour[c] ?? 0))));
        }
        classes.add(ref.decision.predicted);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(0.3 * size.width * size.height);
    expect(classes.size).toBeGreaterThanOrEqual(2);
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('--preset renders the sawtooth: 2^k regions side by side along x in [0, 1]', async () => {
    const k = 2 + (testSeed('e2e/shot.test.ts#2') % 4);
    const fieldsPath = join(dir, 'sawtooth.rlf');
    const result = await shot([
      ...['--preset', `sawtooth:${k}`, '--center', '0.5,0.5', '--span', '1', '--size', '128x8'],
      ...['--out', join(dir, 'sawtooth.png'), '--fields', fieldsPath],
    ]);
    expect(result.code, result.stderr).toBe(0);
    const fields = decodeFieldsFile(new Uint8Array(readFileSync(fieldsPath)));
    expect(distinctPatterns(fields), `k = ${k}`).toBe(2 ** k);
  });

  it('--url re-renders a view shared from the app; a zoom sweep writes its frames', async () => {
    const hash = '#widths=8,8&sigmaB=0.3&seed=2&layers=0&mode=edges&edgeWidth=2&palette=vivid&cx=0.1&cy=-0.2&span=1.5';
    const viaUrl = join(dir, 'url.png');
    const viaFlags = join(dir, 'flags.png');
    const a = await shot(['--url', hash, '--size', '40x30', '--out', viaUrl]);
    const b = await shot([
      '--widths',
      '8,8',
      '--sigma-b',
      '0.3',
      '--seed',
      '2',
      '--mode',
      'edges',
      '--edge-width',
      '2',
      '--center',
      '0.1,-0.2',
      '--span',
      '1.5',
      '--size',
      '40x30',
      '--out',
      viaFlags,
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readPng(viaUrl).data.equals(readPng(viaFlags).data)).toBe(true);
    const zoom = await shot([
      '--url',
      hash,
      '--size',
      '20x20',
      '--sweep',
      'zoom',
      '--to',
      '0.01',
      '--frames',
      '3',
      '--out',
      join(dir, 'zoom.png'),
    ]);
    expect(zoom.code, zoom.stderr).toBe(0);
    for (const f of ['0001', '0002', '0003']) expect(readPng(join(dir, `zoom-${f}.png`)).width).toBe(20);
  });

  it("a bad net file: the validator's message and a non-zero exit, no PNG", async () => {
    const netPath = join(dir, 'bad-net.json');
    writeFileSync(
      netPath,
      '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[1,null]],"bias":[0]}]}',
    );
    const out = join(dir, 'never.png');
    const result = await shot(['--net', netPath, '--size', '10x10', '--out', out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/hidden\[0\]\.weight\[0\]\[1\] is not a finite number/);
    expect(() => readFileSync(out)).toThrow();
    expect(harnessChromiums()).toEqual([]);
  });
});
