import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SegmentRegion, walkSegment } from '../../src/analysis/segment.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { netFromSafetensors } from '../../src/model/files/netTensors.ts';
import { mnistImage } from '../../src/model/mnist.ts';
import { makeLayer, type Net } from '../../src/model/net.ts';
import { evaluatePoint, pointOracle } from '../../src/model/oracle.ts';
import { planeAlong, slicedNet } from '../../src/model/plane.ts';
import { perturbedSawtooth } from '../../src/model/presets.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

type Point = readonly [number, number];

const kFixture = join(import.meta.dirname, '../../models/mnist-mlp-64x64x64.safetensors');
const seed = testSeed('unit/segment.test.ts#1');
const rng = new Random(seed);

function layer(rows: number[][], bias: number[]) {
  const l = makeLayer(rows[0]?.length ?? 0, rows.length);
  rows.forEach((row, r) => {
    l.weight.set(row, r * l.inDim);
  });
  l.bias.set(bias);
  return l;
}

function at(p0: Point, p1: Point, t: number): [number, number] {
  return [p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1])];
}

/** A segment of length 0.5 to 2 starting within 1.5 of the origin, where random nets have most of their regions. */
function randomSegment(): [Point, Point] {
  const p0: Point = [3 * rng.uniform() - 1.5, 3 * rng.uniform() - 1.5];
  const length = 0.5 + 1.5 * rng.uniform();
  const angle = 2 * Math.PI * rng.uniform();
  return [p0, [p0[0] + length * Math.cos(angle), p0[1] + length * Math.sin(angle)]];
}

function samePattern(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((bit, i) => bit === b[i]);
}

/**
 * Samples the segment on a grid fine enough that every region holds samples, if the walk's smallest region allows
 * it within `maxSamples`. Every sample's oracle pattern must be its interval's pattern; when every region is sampled,
 * the pattern changes between consecutive samples must number the breakpoints. Returns whether that count was checked.
 */
function checkAgainstSamples(
  net: Net,
  p0: Point,
  p1: Point,
  layers: number,
  what: string,
  maxSamples = 30000,
  /** The oracle of the samples: the net's own, or a net of d inputs at the plane's points (net is its slice). */
  oracle = pointOracle(net, layers),
) {
  const regions: SegmentRegion[] = [];
  const walk = walkSegment(net, p0, p1, layers, (region) => regions.push(region));
  expect(regions.length, what).toBe(walk.regions);
  const edges = [0, ...walk.breakpoints, 1];
  const gaps = edges.slice(1).map((e, i) => e - (edges[i] ?? 0));
  expect(Math.min(...gaps), what).toBeGreaterThan(0);
  const samples = Math.min(maxSamples, Math.max(2000, Math.ceil(3 / Math.min(...gaps))));
  const everyRegion = Math.min(...gaps) * samples >= 2;
  let changes = 0;
  let previous: { pattern: Uint8Array; region: number } | null = null;
  for (let i = 0; i < samples; i++) {
    const t = (i + 0.5) / samples;
    const pattern = oracle(...at(p0, p1, t)).pattern;
    const region = walk.breakpoints.filter((b) => b <= t).length;
    const nearEdge = Math.min(...edges.map((e) => Math.abs(e - t))) < 1e-9;
    if (!nearEdge)
      expect(samePattern(pattern, regions[region]?.pattern ?? new Uint8Array()), `${what} t=${t}`).toBe(true);
    if (previous && !samePattern(previous.pattern, pattern)) {
      changes++;
      expect(region, `${what}: a pattern change between samples without a breakpoint`).toBeGreaterThan(previous.region);
    }
    previous = { pattern, region };
  }
  if (everyRegion) expect(changes, what).toBe(walk.breakpoints.length);
  return everyRegion;
}

describe('segment walk', () => {
  it('between two MNIST images through the fixture model: dense samples of the 784-input net agree', () => {
    const model = netFromSafetensors(readFileSync(kFixture));
    for (let trial = 0; trial < 2; trial++) {
      const refs = [0, 1].map(() => ({
        digit: Math.floor(10 * rng.uniform()),
        index: 800 + Math.floor(60 * rng.uniform()),
      }));
      const [p1, p2] = refs.map((ref) => mnistImage(nodeDigits, ref));
      if (!p1 || !p2) throw new Error('images');
      const plane = planeAlong(p1, p2, ['p1', 'p2']);
      const length = plane.marks[1]?.u ?? 0;
      const what = `mnist ${JSON.stringify(refs)}`;
      const net = slicedNet(model, plane);
      checkAgainstSamples(net, [0, 0], [length, 0], 3, what, 8000, pointOracle(model, 3, 0, plane));
      // The walk's end points are the images: the d-dimensional net there, as PyTorch computes it.
      const walk = walkSegment(net, [0, 0], [length, 0], 3);
      expect(walk.length, what).toBeCloseTo(Math.hypot(...p2.map((x, i) => x - (p1[i] ?? 0))), 9);
      expect(walk.regions, what).toBeGreaterThan(2);
    }
  });

  it('agrees with dense sampling of the oracle on fresh random nets', () => {
    const shapes = [
      [8, 8],
      [16, 16, 16],
      [32, 32, 32],
    ];
    let counted = 0;
    let cases = 0;
    for (let trial = 0; trial < 24; trial++) {
      const widths = shapes[trial % shapes.length] ?? [8];
      const spec = { widths, sigmaB: 0.1 + 0.9 * rng.uniform(), seed: rng.nextU32() };
      const net = randomNet(spec);
      const [p0, p1] = randomSegment();
      const layers = trial % 4 === 3 ? 1 + (rng.nextU32() % widths.length) : widths.length;
      const what = `test seed ${seed}, net ${JSON.stringify(spec)}, segment ${p0} -> ${p1}, layers ${layers}`;
      cases++;
      if (checkAgainstSamples(net, p0, p1, layers, what)) counted++;
    }
    // Most cases must have every region sampled, or the count check would be vacuous.
    expect(counted, `test seed ${seed}`).toBeGreaterThanOrEqual(cases / 2);
  });

  it('a slightly perturbed sawtooth: its extra tiny regions are real', () => {
    // Neurons that only touch zero in the sawtooth cross it after a perturbation, adding pairs of breakpoints.
    const perturbation = rng.nextU32();
    const net = perturbedSawtooth(5, 1e-3, perturbation);
    const what = `perturbation seed ${perturbation}`;
    checkAgainstSamples(net, [0, 0.5], [1, 0.5], net.hidden.length, what, 100000);
  });

  it('the outputs match the oracle at both ends and at every breakpoint', () => {
    for (let trial = 0; trial < 6; trial++) {
      const spec = { widths: [24, 24, 24], sigmaB: 0.1 + 0.9 * rng.uniform(), seed: rng.nextU32() };
      const net = randomNet(spec);
      const [p0, p1] = randomSegment();
      const walk = walkSegment(net, p0, p1);
      const ts = [0, ...walk.breakpoints, 1];
      expect(walk.outputs.length).toBe(ts.length);
      ts.forEach((t, i) => {
        const expected = evaluatePoint(net, ...(t === 1 ? p1 : at(p0, p1, t))).output;
        const error = Math.abs((walk.outputs[i] ?? Number.NaN) - expected);
        expect(error, `test seed ${seed}, net ${JSON.stringify(spec)}, t=${t}`).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(expected)),
        );
      });
    }
  });

  it('one hidden layer: one breakpoint per neuron whose line crosses the segment, at its root', () => {
    for (let trial = 0; trial < 20; trial++) {
      const spec = { widths: [5 + (rng.nextU32() % 60)], sigmaB: 0.1 + 0.9 * rng.uniform(), seed: rng.nextU32() };
      const first = randomNet(spec).hidden[0] ?? makeLayer(2, 0);
      const net: Net = { inputDim: 2, hidden: [first], output: null };
      const [p0, p1] = randomSegment();
      const roots: number[] = [];
      for (let n = 0; n < first.outDim; n++) {
        const z = (p: Point) =>
          (first.weight[2 * n] ?? 0) * p[0] + (first.weight[2 * n + 1] ?? 0) * p[1] + (first.bias[n] ?? 0);
        if (z(p0) * z(p1) < 0) roots.push(z(p0) / (z(p0) - z(p1)));
      }
      roots.sort((a, b) => a - b);
      const walk = walkSegment(net, p0, p1);
      const what = `test seed ${seed}, net ${JSON.stringify(spec)}`;
      expect(walk.regions, what).toBe(roots.length + 1);
      expect(walk.neurons).toBe(first.outDim);
      walk.breakpoints.forEach((b, i) => {
        expect(Math.abs(b - (roots[i] ?? Number.NaN)), what).toBeLessThan(1e-12);
      });
    }
  });

  it('layers = L partitions like the net cut after layer L', () => {
    for (let trial = 0; trial < 4; trial++) {
      const spec = { widths: [16, 16, 16], sigmaB: 0.1 + 0.9 * rng.uniform(), seed: rng.nextU32() };
      const net = randomNet(spec);
      const [p0, p1] = randomSegment();
      for (let layers = 1; layers <= 3; layers++) {
        const cut: Net = { inputDim: 2, hidden: net.hidden.slice(0, layers), output: null };
        const partial = walkSegment(net, p0, p1, layers);
        const whole = walkSegment(cut, p0, p1);
        const what = `test seed ${seed}, net ${JSON.stringify(spec)}, layers ${layers}`;
        expect(partial.breakpoints, what).toEqual(whole.breakpoints);
        expect(partial.neurons).toBe(16 * layers);
        // The output still comes from the whole net.
        expect(partial.outputs[0]).toBeCloseTo(evaluatePoint(net, ...p0).output, 12);
      }
    }
  });

  it('simultaneous crossings, dead neurons and a zero-length segment', () => {
    // Layer 1: z0 = x - 1/2 and z1 = x + y - 1/2 cross together at (1/2, 0); z2 = y is zero all along y = 0 (dead).
    const net: Net = {
      inputDim: 2,
      hidden: [
        layer(
          [
            [1, 0],
            [1, 1],
            [0, 1],
          ],
          [-0.5, -0.5, 0],
        ),
        layer([[0, 0, 1]], [0]),
      ],
      output: layer([[1]], [0.25]),
    };
    const regions: SegmentRegion[] = [];
    const walk = walkSegment(net, [0, 0], [1, 0], 2, (region) => regions.push(region));
    expect(walk.breakpoints).toEqual([0.5]);
    expect(regions.map((r) => Array.from(r.pattern))).toEqual([
      [0, 0, 0, 0],
      [1, 1, 0, 0],
    ]);
    const p: Point = [0.3 * rng.normal(), 0.3 * rng.normal()];
    const still = walkSegment(randomNet({ widths: [8, 8], sigmaB: 0.5, seed: rng.nextU32() }), p, p);
    expect(still.regions).toBe(1);
    expect(still.length).toBe(0);
    expect(still.outputs[0]).toBe(still.outputs[1]);
    expect(still.regionsPerUnitLengthPerNeuron).toBeNaN();
  });
});
