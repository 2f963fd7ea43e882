/**
 * `npm run analyze` on graph networks read from ONNX (a CNN; a residual net of leaky relus), seen through the default
 * MNIST plane: every mode against the float64 oracle (pointOracle, the segment walk, the exact polygons, the forward
 * pass); an ONNX MLP reads exactly as its PyTorch state_dict; the MLP-only theorem and bad files get messages.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { uniformPoints } from '../../src/analysis/distance.ts';
import { enumerateNetworkRegions } from '../../src/analysis/graphRegions.ts';
import type { Rect } from '../../src/analysis/polygons.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { type Graph, isGraph, type Network, sliceGraph } from '../../src/model/graph/graph.ts';
import { predictGraph } from '../../src/model/graph/graphForward.ts';
import { mnistImage } from '../../src/model/mnist.ts';
import { resolveNet } from '../../src/model/netSource.ts';
import { pointOracle } from '../../src/model/oracle.ts';
import { planeAlong, planePoint, seeNetworkThrough } from '../../src/model/plane.ts';
import { Random } from '../../src/model/random.ts';
import { runCli } from '../support/cli.ts';
import { testSeed } from '../support/seed.ts';

const kAnalyze = 'src/cli/analyze.ts';
const kOnnx = join(import.meta.dirname, '../fixtures/onnx');
const dir = mkdtempSync(join(tmpdir(), 'reluscope-analyze-graph-'));
const rng = new Random(testSeed('e2e/analyzeGraph.test.ts'));

function readGraph(name: string): Graph {
  const network: Network = resolveNet({ kind: 'file', name, bytes: readFileSync(join(kOnnx, name)) });
  if (!isGraph(network)) throw new Error(`${name} is not read as a graph`);
  return network;
}

function relativeError(x: readonly number[], y: readonly number[]): number {
  const scale = Math.max(...y.map(Math.abs));
  return Math.max(...y.map((v, i) => Math.abs((x[i] ?? Number.NaN) - v) / scale));
}

/** The pattern hashes pointOracle gives at the centres of a side x side grid of cells of `rect`. */
function gridHashes(net: Network, rect: Rect, side: number): Set<string> {
  const oracle = pointOracle(net);
  const hashes = new Set<string>();
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const x = rect.x0 + ((i + 0.5) / side) * (rect.x1 - rect.x0);
      const y = rect.y0 + ((j + 0.5) / side) * (rect.y1 - rect.y0);
      hashes.add(oracle(x, y).hash.join(','));
    }
  }
  return hashes;
}

/** The --point report is pointOracle's fields of `net` at (u, v), number for number. */
function expectOracle(point: Fields, net: Network, u: number, v: number): void {
  const fields = pointOracle(net)(u, v);
  expect(point.hash).toEqual(fields.hash);
  expect(point.distance).toBe(fields.distance);
  expect(point.nearestLayer).toBe(fields.nearestLayer);
  expect(point.layerDistances).toEqual(fields.layerDistances);
  expect(point.outputs).toEqual(fields.outputs);
  expect(point.output).toBe(fields.output);
  expect(point.outputGradient).toEqual(fields.outputGradient);
  expect(point.predicted).toBe(fields.decision.predicted);
  expect(point.decisionDistance).toBe(fields.decision.distance);
  expect(point.margin).toBe(fields.decision.margin);
}

interface Case {
  readonly file: string;
  /** A view at the plane's first image (u, v = 0, 0): span as small as keeps the test quick. */
  readonly span: number;
  readonly grid: number;
  /** The --line images (a near pair for the residual net, whose walk costs ~30 ms a region) and --layers. */
  readonly line: readonly [string, string];
  readonly layers: number;
}

const kCases: readonly Case[] = [
  { file: 'cnn.onnx', span: 0.1, grid: 20, line: ['3/800', '5/800'], layers: 0 },
  { file: 'resnet.onnx', span: 0.01, grid: 12, line: ['1/112', '1/805'], layers: 1 },
];

type Fields = Record<string, unknown>;

describe('npm run analyze on graphs (ONNX)', () => {
  for (const c of kCases) {
    it(`${c.file}: --point, --view, --line mnist: against the float64 oracle`, async () => {
      const model = readGraph(c.file);
      const sliced = seeNetworkThrough(model, '', nodeDigits);
      expect(sliced.spec).toBe('mnist:3/800,5/800,8/800');
      const net = sliced.net;
      const half = c.span / 2;
      const rect: Rect = { x0: -half, y0: -half, x1: half, y1: half };
      const [u, v] = [(rng.uniform() - 0.5) * c.span, (rng.uniform() - 0.5) * c.span];
      const plot = join(dir, `${c.file}.svg`);
      const lineSpec = `mnist:${c.line.join(',')}`;
      const samples = 40;
      const [pointRun, lineRun] = await Promise.all([
        runCli(kAnalyze, [
          ...['--net', join(kOnnx, c.file), '--json', `--point=${u},${v}`, '--view', `0,0,${c.span}`],
          ...['--samples', String(samples), '--pixels', '8'],
        ]),
        runCli(kAnalyze, [
          ...['--net', join(kOnnx, c.file), '--json', '--line', lineSpec, '--layers', String(c.layers)],
          ...['--plot', plot],
        ]),
      ]);
      expect(pointRun.code, pointRun.stderr).toBe(0);
      expect(lineRun.code, lineRun.stderr).toBe(0);
      const report = JSON.parse(pointRun.stdout) as { point: Fields; view: Fields; network: Fields };

      // The network as read: a graph, its stages, through the default plane of 784 inputs.
      expect(report.network).toMatchObject({ kind: 'graph', operations: model.ops.length, inputs: 784, outputs: 10 });
      expect(report.network.plane).toBe(sliced.spec);

      // --point: pointOracle of the sliced graph, number for number.
      expectOracle(report.point, net, u, v);
      // ... which is the network as read at the point of input space, to rounding.
      if (!sliced.plane) throw new Error('no plane');
      const there = predictGraph(model, planePoint(sliced.plane, u, v)).outputs;
      expect(relativeError(report.point.outputs as number[], there)).toBeLessThan(1e-9);

      // --view: the exact polygons; every pattern the oracle meets on a grid is one of their regions'.
      const view = report.view as {
        regions: number;
        area: number;
        neurons: number;
        distance: { samples: number; withBoundary: number; mean: number };
        pixelPatterns: { distinct: number };
        theorem?: unknown;
      };
      const exact = enumerateNetworkRegions(net, rect, { keepPolygons: true });
      expect(view.regions, c.file).toBe(exact.regions);
      expect(view.neurons).toBe(exact.neurons);
      expect(Math.abs(view.area - c.span ** 2)).toBeLessThan(1e-9 * c.span ** 2);
      const polygonArea = (exact.polygons ?? []).reduce((sum, p) => sum + p.area, 0);
      expect(Math.abs(polygonArea - c.span ** 2)).toBeLessThan(1e-9 * c.span ** 2);
      const grid = gridHashes(net, rect, c.grid);
      expect(view.regions).toBeGreaterThanOrEqual(grid.size);
      const regionHashes = new Set((exact.polygons ?? []).map((p) => p.hash.join(',')));
      for (const hash of grid) expect(regionHashes.has(hash), `${c.file}: grid pattern ${hash}`).toBe(true);
      expect(view.pixelPatterns.distinct).toBeGreaterThanOrEqual(1);
      expect(view.pixelPatterns.distinct).toBeLessThanOrEqual(view.regions);
      // The theorem is for MLPs: a graph goes without it by default.
      expect(view.theorem).toBeUndefined();
      // Distances: pointOracle's at the seeded uniform points (--seed 1).
      const points = uniformPoints(rect, samples, 1);
      const oracle = pointOracle(net);
      const distances = Array.from(
        { length: samples },
        (_, i) => oracle(points[2 * i] ?? 0, points[2 * i + 1] ?? 0).distance,
      );
      const finite = distances.filter(Number.isFinite);
      expect(view.distance.withBoundary).toBe(finite.length);
      expect(view.distance.mean).toBeCloseTo(finite.reduce((s, d) => s + d, 0) / finite.length, 12);

      // --line mnist:A,B: the walk of the graph sliced along the segment; the ends are the forward pass at the images.
      const line = (JSON.parse(lineRun.stdout) as { line: Fields }).line as {
        from: string;
        regions: number;
        breakpoints: number[];
        length: number;
        start: { outputs: number[]; predicted: number };
        end: { outputs: number[]; predicted: number };
      };
      const [p1, p2] = c.line.map((ref) => {
        const [digit = 0, index = 0] = ref.split('/').map(Number);
        return mnistImage(nodeDigits, { digit, index });
      });
      if (!p1 || !p2) throw new Error('images');
      expect(line.from).toBe(`mnist:${c.line[0]}`);
      expect(line.regions).toBeGreaterThanOrEqual(1);
      const [at1, at2] = [predictGraph(model, p1), predictGraph(model, p2)];
      expect(relativeError(line.start.outputs, at1.outputs), `${c.file} ${lineSpec}`).toBeLessThan(1e-9);
      expect(relativeError(line.end.outputs, at2.outputs), `${c.file} ${lineSpec}`).toBeLessThan(1e-9);
      expect([line.start.predicted, line.end.predicted]).toEqual([at1.predicted, at2.predicted]);
      const plane = planeAlong(p1, p2, ['p1', 'p2']);
      const length = plane.marks[1]?.u ?? 0;
      expect(line.length).toBeCloseTo(length, 9);
      const walk = walkSegment(sliceGraph(model, plane), [0, 0], [length, 0], c.layers || undefined);
      expect(line.regions, `${c.file} ${lineSpec}`).toBe(walk.regions);
      expect(line.breakpoints).toEqual(walk.breakpoints);
      // The plot: one vertex at each end and at each breakpoint.
      const path = /<path d="(M[^"]+)"/.exec(readFileSync(plot, 'utf8'))?.[1] ?? '';
      expect(path.split('L')).toHaveLength(line.regions + 1);
    });
  }

  it('pool.onnx (max and average pools, batch norm): --point, a --line of coordinates and --view', async () => {
    const net = seeNetworkThrough(readGraph('pool.onnx'), '', nodeDigits).net;
    const [u, v] = [rng.uniform(), rng.uniform() - 0.5];
    const run = await runCli(kAnalyze, [
      ...['--net', join(kOnnx, 'pool.onnx'), '--json', `--point=${u},${v}`, '--line', '0.1,0.2,0.6,0.5'],
      ...['--view', '0.5,0.5,0.004', '--samples', '0'],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { point: Fields; line: { breakpoints: number[] }; view: Fields };
    expectOracle(report.point, net, u, v);
    expect(report.point.layerDistances).toHaveLength(4);
    expect(report.line.breakpoints).toEqual(walkSegment(net, [0.1, 0.2], [0.6, 0.5]).breakpoints);
    const exact = enumerateNetworkRegions(net, { x0: 0.498, y0: 0.498, x1: 0.502, y1: 0.502 });
    expect(report.view.regions).toBe(exact.regions);
    expect(report.view.boundaryLength).toBe(exact.boundaryLength);
  });

  it('an MLP in ONNX (Gemm) gives the same report as its PyTorch state_dict', async () => {
    const args = ['--json', '--point', '1,2', '--line', 'mnist:3/800,5/800', '--view', '5,3,4'];
    const more = ['--samples', '100', '--theorem-grid', '8', '--pixels', '8'];
    const runs = await Promise.all(
      ['mlp-gemm.onnx', 'mlp.pt'].map((file) => runCli(kAnalyze, ['--net', join(kOnnx, file), ...args, ...more])),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const numbers = (stdout: string) => JSON.stringify(JSON.parse(stdout, (key, v) => (key === 'seconds' ? 0 : v)));
    const [gemm, pt] = runs.map((run) => numbers(run.stdout));
    expect(gemm).toBe(pt);
    const report = JSON.parse(runs[0]?.stdout ?? '') as { network: Fields; view: { regions: number; theorem: Fields } };
    expect(report.network).toMatchObject({ kind: 'mlp', widths: [32, 32] });
    expect(report.view.regions).toBeGreaterThan(1);
    expect(report.view.theorem.predictedBoundaryLength).toBeGreaterThan(0);
  });

  it('text, MLP-only flags and bad files: a graph is described, the theorem refused, a broken file named', async () => {
    const cnn = join(kOnnx, 'cnn.onnx');
    const truncated = join(dir, 'truncated-cnn.onnx');
    const bytes = readFileSync(cnn);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.byteLength / 2)));
    const [text, theorem, layers, broken] = await Promise.all([
      runCli(kAnalyze, ['--net', cnn, '--point', '0,0', '--view', '0,0,0.01', '--samples', '10']),
      runCli(kAnalyze, ['--net', cnn, '--view', '0,0,0.01', '--theorem-grid', '8']),
      runCli(kAnalyze, ['--net', cnn, '--point', '0,0', '--layers', '3']),
      runCli(kAnalyze, ['--net', truncated, '--point', '0,0']),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^view: \d+ regions?, .* length \/ area \/ units = /);
    expect(text.stdout).toMatch(/\ndistance: mean .* over 10 points, × units = /);
    expect(text.stdout).toMatch(/\ntheorem: the theorem's prediction applies to MLPs only/);
    expect(text.stdout).toMatch(/\npoint \(0, 0\): pattern hash [0-9a-f]{16}, .*predicted class \d/);
    expect(text.stdout).toMatch(
      /\nnetwork: graph of 6 operations, stages 3136,1568, 4704 units, 784 inputs, 10 outputs, plane mnist:3\/800,5\/800,8\/800\n$/,
    );
    expect(theorem.code).toBe(2);
    expect(theorem.stderr).toMatch(
      /^analyze: --theorem-grid 8: the theorem's prediction applies to MLPs only .*\nUsage/,
    );
    expect(layers.code).toBe(2);
    expect(layers.stderr).toMatch(/^analyze: --layers 3: the network has 2 stages /);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr).toMatch(/^analyze: "[^\n]*truncated-cnn\.onnx": [^\n]+\n$/);
  });
});
