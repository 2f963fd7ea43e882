/**
 * Nets of many inputs from the command line, seen through planes: `analyze --line mnist:D/I,D/I` against PyTorch's
 * own logits, `--plane` for analyze and shot against the float64 oracle of the 784-input net, and bad planes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enumerateRegions } from '../../src/analysis/polygons.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { decodeFieldsFile } from '../../src/model/fieldsFile.ts';
import { netFromSafetensors } from '../../src/model/files/netTensors.ts';
import { mnistImage } from '../../src/model/mnist.ts';
import { pointOracle } from '../../src/model/oracle.ts';
import { parsePlaneSpec, planeAlong, resolvePlane, slicedNet, viewOfMarks } from '../../src/model/plane.ts';
import { Random } from '../../src/model/random.ts';
import { pixelCentre, pixelSize } from '../../src/model/view.ts';
import { readPng, runCli } from '../support/cli.ts';
import { testSeed } from '../support/seed.ts';

const kFixtures = join(import.meta.dirname, '../fixtures/pytorch');
const kSafetensors = join(import.meta.dirname, '../../models/mnist-mlp-64x64x64.safetensors');
const dir = mkdtempSync(join(tmpdir(), 'reluscope-slice-'));
const rng = new Random(testSeed('e2e/slice.test.ts#1'));
const model = netFromSafetensors(readFileSync(kSafetensors));
type Reference = { digit: number; index: number; logits_f64: number[]; predicted: number };
const reference = JSON.parse(readFileSync(join(kFixtures, 'mnist-mlp-64x64x64.reference.json'), 'utf8')) as {
  references: Reference[];
};

function relativeError(x: readonly number[], y: readonly number[]): number {
  const scale = Math.max(...y.map(Math.abs));
  return Math.max(...y.map((v, i) => Math.abs((x[i] ?? Number.NaN) - v) / scale));
}

/** Two different images of the reference (a line needs two ends). */
function pickTwo(): [Reference, Reference] {
  const n = reference.references.length;
  const i = Math.floor(rng.uniform() * n);
  const j = (i + 1 + Math.floor(rng.uniform() * (n - 1))) % n;
  const [a, b] = [reference.references[i], reference.references[j]];
  if (!a || !b) throw new Error(`no reference images ${i}, ${j} of ${n}`);
  return [a, b];
}

/** A plane through three different test images. */
function testPlane(): string {
  const images = new Set<string>();
  while (images.size < 3) images.add(`${Math.floor(10 * rng.uniform())}/${800 + Math.floor(60 * rng.uniform())}`);
  return `mnist:${[...images].join(',')}`;
}

describe('analyze on nets of many inputs', () => {
  it('--line mnist:D/I,D/I: both ends give PyTorch float64 logits and predictions; the regions are the walk', async () => {
    const [a, b] = pickTwo();
    const line = `mnist:${a.digit}/${a.index},${b.digit}/${b.index}`;
    const run = await runCli('src/cli/analyze.ts', [
      '--net',
      join(kFixtures, 'mnist-mlp-64x64x64.pt'),
      '--json',
      '--line',
      line,
    ]);
    expect(run.code, run.stderr).toBe(0);
    type End = { outputs: number[]; predicted: number };
    const report = JSON.parse(run.stdout) as { line: { regions: number; start: End; end: End; length: number } };
    expect(relativeError(report.line.start.outputs, a.logits_f64), line).toBeLessThan(1e-12);
    expect(relativeError(report.line.end.outputs, b.logits_f64), line).toBeLessThan(1e-12);
    expect([report.line.start.predicted, report.line.end.predicted]).toEqual([a.predicted, b.predicted]);
    const [p1, p2] = [a, b].map((r) => mnistImage(nodeDigits, r));
    if (!p1 || !p2) throw new Error('images');
    const plane = planeAlong(p1, p2, ['p1', 'p2']);
    const length = plane.marks[1]?.u ?? 0;
    expect(report.line.length).toBeCloseTo(length, 9);
    expect(report.line.regions, line).toBe(walkSegment(slicedNet(model, plane), [0, 0], [length, 0]).regions);
  });

  it('--plane through three images and the bundled model: the exact count of the view', async () => {
    const text = testPlane();
    const run = await runCli('src/cli/analyze.ts', [
      ...['--preset', 'mnist-mlp', '--plane', text, '--json'],
      ...['--view', '0.5,-0.3,1.5', '--samples', '0', '--theorem-grid', '0'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const spec = parsePlaneSpec(text);
    if (typeof spec === 'string') throw new Error(spec);
    const net = slicedNet(model, resolvePlane(spec, 784, nodeDigits));
    const exact = enumerateRegions(net, { x0: -0.25, y0: -1.05, x1: 1.25, y1: 0.45 });
    const report = JSON.parse(run.stdout) as { view: { regions: number } };
    expect(report.view.regions, text).toBe(exact.regions);
    expect(exact.regions).toBeGreaterThan(5);
  });

  it('bad planes: a usage error for a malformed one, a message for one that does not fit the net', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--widths', '8', '--plane', 'mnist:1/2', '--line', '0,0,1,1'], 2, /expected mnist:D\/I,D\/I,D\/I/],
      [['--widths', '8', '--plane', 'mnist:0/800,1/800,2/800', '--line', '0,0,1,1'], 1, /784 pixels but the net has 2/],
      [['--net', kSafetensors, '--line', 'mnist:0/99999,1/800'], 2, /digit 0 has samples 0\.\./],
      [['--net', kSafetensors, '--plane', 'mnist:0/800,0/800,2/800', '--view', '0,0,1'], 1, /same point/],
      [['--net', kSafetensors, '--line', 'mnist:0/800'], 2, /expected mnist:D\/I,D\/I \(two images\)/],
      [['--widths', '8', '--plane', join(dir, 'missing.json'), '--line', '0,0,1,1'], 2, /ENOENT/],
    ];
    for (const [args, code, message] of cases) {
      const run = await runCli('src/cli/analyze.ts', args);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(code);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('--plane FILE.json: an explicit plane of a 2-input net (a rotation) counts as the rotated view', async () => {
    const angle = 2 * Math.PI * rng.uniform();
    const file = join(dir, 'plane.json');
    const o = [rng.normal(), rng.normal()];
    const a = [Math.cos(angle), Math.sin(angle)];
    const b = [-Math.sin(angle), Math.cos(angle)];
    writeFileSync(file, JSON.stringify({ o, a, b }));
    const run = await runCli('src/cli/analyze.ts', [
      ...['--widths', '10,10', '--seed', '3', '--plane', file, '--json', '--view', '0,0,1.5'],
      ...['--samples', '0', '--theorem-grid', '0'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const plane = {
      o: Float64Array.from(o),
      a: Float64Array.from(a),
      b: Float64Array.from(b),
      marks: [],
      mnist: false,
    };
    const { randomNet } = await import('../../src/model/random.ts');
    const net = slicedNet(randomNet({ widths: [10, 10], sigmaB: 0.5, seed: 3 }), plane);
    const exact = enumerateRegions(net, { x0: -0.75, y0: -0.75, x1: 0.75, y1: 0.75 });
    expect((JSON.parse(run.stdout) as { view: { regions: number } }).view.regions).toBe(exact.regions);
  });
});

describe('shot on nets of many inputs', () => {
  it('--plane: the fields of the 784-input net as the float64 oracle has them, the view framed, the images marked', async () => {
    const text = testPlane();
    const [out, fieldsPath] = [join(dir, 'plane.png'), join(dir, 'plane.rlf')];
    const size = { width: 48, height: 32 };
    const run = await runCli('src/cli/shot.ts', [
      ...['--net', kSafetensors, '--plane', text, '--size', '48x32', '--out', out, '--fields', fieldsPath],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const spec = parsePlaneSpec(text);
    if (typeof spec === 'string') throw new Error(spec);
    const plane = resolvePlane(spec, 784, nodeDigits);
    const view = viewOfMarks(plane, size.width / size.height);
    if (!plane || !view) throw new Error('no plane');
    const fields = decodeFieldsFile(new Uint8Array(readFileSync(fieldsPath)));
    const oracle = pointOracle(model, 3, 0, plane);
    const s = pixelSize(view, size);
    let compared = 0;
    for (let j = 0; j < size.height; j++) {
      for (let i = 0; i < size.width; i++) {
        const ref = oracle(...pixelCentre(view, size, i, j));
        if (ref.distance / s <= 1e-3) continue;
        compared++;
        const p = j * size.width + i;
        expect([fields.hashLo[p], fields.hashHi[p]], `${text} pixel ${i},${j}`).toEqual(ref.hash);
      }
    }
    expect(compared).toBeGreaterThan(0.8 * size.width * size.height);
    // The first image is marked: a white ring 5 px from its pixel, a black one at 7 px.
    const png = readPng(out);
    const mark = plane.marks[0];
    if (!mark) throw new Error('no mark');
    const x = (mark.u - view.cx) / s + size.width / 2 - 0.5;
    const y = size.height / 2 - (mark.v - view.cy) / s - 0.5;
    const ring: string[] = [];
    for (let j = 0; j < size.height; j++) {
      for (let i = 0; i < size.width; i++) {
        const r = Math.hypot(i - x, j - y);
        if (r > 4.6 && r < 5.4) ring.push(png.data.readUInt32BE(4 * (j * size.width + i)).toString(16));
      }
    }
    expect(ring.length).toBeGreaterThan(10);
    expect(new Set(ring)).toEqual(new Set(['ffffffff']));
  });
});
