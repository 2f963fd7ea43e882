import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { enumerateRegions, type Rect, type RegionPolygon } from '../../src/analysis/polygons.ts';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { netFromSafetensors } from '../../src/model/files/netTensors.ts';
import type { Net } from '../../src/model/net.ts';
import { evaluatePoint, pointOracle } from '../../src/model/oracle.ts';
import { parsePlaneSpec, resolvePlane, slicedNet, viewOfMarks } from '../../src/model/plane.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { pixelCentre, type View } from '../../src/model/view.ts';
import { layer, minWidth, PolygonLookup } from '../support/polygonLookup.ts';
import { testSeed } from '../support/seed.ts';

const seed = testSeed('unit/polygons.test.ts#1');
const rng = new Random(seed);

function viewRect(view: View): Rect {
  const h = view.span / 2;
  return { x0: view.cx - h, y0: view.cy - h, x1: view.cx + h, y1: view.cy + h };
}

function rectArea(r: Rect): number {
  return Math.abs((r.x1 - r.x0) * (r.y1 - r.y0));
}

/** n random lines a x + b y + c = 0 as one hidden layer, each through a random point of [-1/2, 1/2]^2. */
function randomLines(n: number): Net {
  const rows: number[][] = [];
  const bias: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b] = [rng.normal(), rng.normal()];
    rows.push([a, b]);
    bias.push(-(a * (rng.uniform() - 0.5) + b * (rng.uniform() - 0.5)));
  }
  return { inputDim: 2, hidden: [layer(rows, bias)], output: null };
}

/** A rectangle holding every crossing of the one-layer net's lines, with a margin. */
function rectHoldingCrossings(net: Net): Rect {
  const w = net.hidden[0]!.weight;
  const c = net.hidden[0]!.bias;
  const r = { x0: -1, y0: -1, x1: 1, y1: 1 };
  for (let i = 0; i < c.length; i++) {
    for (let j = i + 1; j < c.length; j++) {
      const det = w[2 * i]! * w[2 * j + 1]! - w[2 * i + 1]! * w[2 * j]!;
      const x = (-c[i]! * w[2 * j + 1]! + c[j]! * w[2 * i + 1]!) / det;
      const y = (-w[2 * i]! * c[j]! + w[2 * j]! * c[i]!) / det;
      r.x0 = Math.min(r.x0, x - 1);
      r.x1 = Math.max(r.x1, x + 1);
      r.y0 = Math.min(r.y0, y - 1);
      r.y1 = Math.max(r.y1, y + 1);
    }
  }
  return r;
}

/** Length of the line a x + b y + c = 0 inside the rectangle (Liang-Barsky on a long segment along the line). */
function clippedLength(a: number, b: number, c: number, r: Rect): number {
  const g = a * a + b * b;
  const [fx, fy] = [(-c * a) / g, (-c * b) / g];
  const [dx, dy] = [-b / Math.sqrt(g), a / Math.sqrt(g)];
  let [t0, t1] = [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  for (const [p, lo, hi, d] of [
    [fx, r.x0, r.x1, dx],
    [fy, r.y0, r.y1, dy],
  ] as const) {
    if (d === 0) {
      if (p < lo || p > hi) return 0;
      continue;
    }
    const [ta, tb] = [(lo - p) / d, (hi - p) / d];
    t0 = Math.max(t0, Math.min(ta, tb));
    t1 = Math.min(t1, Math.max(ta, tb));
  }
  return Math.max(0, t1 - t0);
}

/**
 * Pixel patterns against the polygons: every pixel's hash is some polygon's hash, and a polygon that holds no pixel
 * centre is thin (a lattice-free convex set is at most 1 + 2/sqrt(3) < 2.2 lattice units wide).
 */
function comparePixels(net: Net, view: View, size: number, layers: number, what: string) {
  const result = enumerateRegions(net, viewRect(view), { keepPolygons: true, layers });
  const polygons = result.polygons ?? [];
  const byHash = new Map(polygons.map((p) => [p.hash.join(','), p]));
  expect(byHash.size, `${what}: region hashes are distinct`).toBe(result.regions);
  const hit = new Set<string>();
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const [x, y] = pixelCentre(view, { width: size, height: size }, i, j);
      const hash = evaluatePoint(net, x, y, layers).hash.join(',');
      expect(byHash.has(hash), `${what}: pixel (${i}, ${j}) has a pattern no polygon has`).toBe(true);
      hit.add(hash);
    }
  }
  const pixel = view.span / size;
  const missed = polygons.filter((p) => !hit.has(p.hash.join(',')));
  for (const p of missed) expect(minWidth(p.vertices) / pixel, `${what}: a missed region is wide`).toBeLessThan(2.2);
  expect(result.regions, what).toBeGreaterThanOrEqual(hit.size);
  return { regions: result.regions, pixelPatterns: hit.size };
}

/** A fresh random net whose regions in the view are all wider than `width` (the first of up to 200 tries). */
function coarseNet(widths: number[], view: View, width: number): Net {
  for (let attempt = 0; attempt < 200; attempt++) {
    const net = randomNet({ widths, sigmaB: 0.5, seed: rng.nextU32() });
    const polygons = enumerateRegions(net, viewRect(view), { keepPolygons: true }).polygons ?? [];
    if (polygons.every((p) => minWidth(p.vertices) > width)) return net;
  }
  throw new Error(`seed ${seed}: no coarse ${widths} net in 200 tries`);
}

function expectTiling(net: Net, rect: Rect, points: number, what: string, oracle = pointOracle(net)) {
  const result = enumerateRegions(net, rect, { keepPolygons: true });
  const polygons = result.polygons ?? [];
  expect(polygons.length, what).toBe(result.regions);
  const area = rectArea(rect);
  expect(Math.abs(result.area - area) / area, `${what}: areas sum to the rectangle`).toBeLessThan(1e-9);
  expect(Math.abs(polygons.reduce((s, p) => s + p.area, 0) - area) / area, what).toBeLessThan(1e-9);
  for (const p of polygons) {
    expect(p.area, `${what}: positive area`).toBeGreaterThan(0);
    const at = oracle(p.point[0], p.point[1]);
    expect(p.hash, `${what}: hash at the representative point`).toEqual(at.hash);
  }
  const lookup = new PolygonLookup(polygons);
  const margin = 1e-9 * Math.sqrt(area);
  let decided = 0;
  for (let k = 0; k < points; k++) {
    const x = rect.x0 + (rect.x1 - rect.x0) * rng.uniform();
    const y = rect.y0 + (rect.y1 - rect.y0) * rng.uniform();
    const { inside, nearEdge } = lookup.locate(x, y, margin);
    if (nearEdge) continue;
    decided++;
    expect(inside.length, `${what}: polygons holding (${x}, ${y})`).toBe(1);
    const region = inside[0] as RegionPolygon;
    const expected = Array.from(oracle(x, y).pattern);
    const found = Array.from(oracle(region.point[0], region.point[1]).pattern);
    expect(found, `${what}: pattern at (${x}, ${y})`).toEqual(expected);
  }
  expect(decided, what).toBeGreaterThan(0.99 * points);
  return result;
}

describe('region polygons', () => {
  it('a plane through three MNIST images (fixture model): polygons tile the view, checked on the 784-input net', () => {
    const model = netFromSafetensors(
      readFileSync(join(import.meta.dirname, '../../models/mnist-mlp-64x64x64.safetensors')),
    );
    const image = () => `${Math.floor(10 * rng.uniform())}/${800 + Math.floor(60 * rng.uniform())}`;
    const text = `mnist:${image()},${image()},${image()}`;
    const spec = parsePlaneSpec(text);
    if (typeof spec === 'string') throw new Error(spec);
    const plane = resolvePlane(spec, 784, nodeDigits);
    const view = viewOfMarks(plane, 1);
    if (!plane || !view) throw new Error('no plane');
    // A part of the framed view around the first image keeps the test short.
    const rect = { x0: -view.span / 8, y0: -view.span / 8, x1: view.span / 8, y1: view.span / 8 };
    const result = expectTiling(slicedNet(model, plane), rect, 400, text, pointOracle(model, 3, 0, plane));
    expect(result.regions, text).toBeGreaterThan(10);
  });

  it('one layer of n lines in general position: 1 + n + n(n-1)/2 regions, boundary = clipped line lengths', () => {
    for (const n of [1, 2, 7, 18, 30]) {
      const net = randomLines(n);
      const rect = rectHoldingCrossings(net);
      const what = `seed ${seed}, n ${n}`;
      const result = expectTiling(net, rect, 300, what);
      expect(result.regions, what).toBe(1 + n + (n * (n - 1)) / 2);
      const l = net.hidden[0]!;
      let length = 0;
      for (let i = 0; i < n; i++) length += clippedLength(l.weight[2 * i]!, l.weight[2 * i + 1]!, l.bias[i]!, rect);
      expect(Math.abs(result.boundaryLength - length) / length, what).toBeLessThan(1e-9);
      expect(result.neurons).toBe(n);
      expect(result.boundaryDensityPerNeuron).toBeCloseTo(length / rectArea(rect) / n, 12);
    }
  });

  it('random nets: polygons tile the view, each point lies in exactly one, with its pattern', () => {
    for (const widths of [[12], [8, 8], [16, 16, 16], [6, 6, 6, 6]]) {
      const netSeed = rng.nextU32();
      const net = randomNet({ widths, sigmaB: 0.3, seed: netSeed });
      const span = 0.5 + 3 * rng.uniform();
      const view = { cx: rng.normal() * 0.3, cy: rng.normal() * 0.3, span };
      expectTiling(
        net,
        viewRect(view),
        1500,
        `seed ${seed}, net ${widths} seed ${netSeed}, view ${JSON.stringify(view)}`,
      );
    }
  });

  it('never fewer regions than pixel patterns, and every pixel pattern is a region', () => {
    for (const widths of [
      [8, 8],
      [16, 16, 16],
    ]) {
      for (let trial = 0; trial < 3; trial++) {
        const netSeed = rng.nextU32();
        const net = randomNet({ widths, sigmaB: 0.1 + rng.uniform(), seed: netSeed });
        const view = { cx: rng.normal() * 0.5, cy: rng.normal() * 0.5, span: 0.2 + 4 * rng.uniform() };
        comparePixels(net, view, 96, widths.length, `net ${widths} seed ${netSeed}, view ${JSON.stringify(view)}`);
      }
    }
  });

  it('coarse nets at 256 x 256 with no region thinner than 3 pixels: exactly as many regions as pixel patterns', () => {
    const view = { cx: 0, cy: 0, span: 3 };
    for (const widths of [[4], [5], [3, 3], [4, 4]]) {
      const net = coarseNet(widths, view, 3 * (view.span / 256));
      const what = `seed ${seed}, net ${widths}`;
      const { regions, pixelPatterns } = comparePixels(net, view, 256, widths.length, what);
      expect(regions, what).toBe(pixelPatterns);
    }
  });

  it('layers: only the first layers partition', () => {
    const netSeed = rng.nextU32();
    const net = randomNet({ widths: [10, 10, 10], sigmaB: 0.2, seed: netSeed });
    const rect = { x0: -1.5, y0: -1, x1: 1, y1: 1.2 };
    const first: Net = { inputDim: 2, hidden: net.hidden.slice(0, 1), output: null };
    const one = enumerateRegions(net, rect, { layers: 1 });
    const alone = enumerateRegions(first, rect);
    expect(one.regions, `seed ${netSeed}`).toBe(alone.regions);
    expect(one.boundaryLength).toBeCloseTo(alone.boundaryLength, 12);
    expect(one.neurons).toBe(10);
    const none = enumerateRegions(net, rect, { layers: 0, keepPolygons: true });
    expect([none.regions, none.boundaryLength, none.neurons]).toEqual([1, 0, 0]);
    expect(none.polygons?.[0]?.hash).toEqual(evaluatePoint(net, 0, 0, 0).hash);
    const two = enumerateRegions(net, rect, { layers: 2 });
    const all = enumerateRegions(net, rect);
    expect(one.regions).toBeLessThanOrEqual(two.regions);
    expect(two.regions).toBeLessThanOrEqual(all.regions);
    expect(two.neurons).toBe(20);
    comparePixels(net, { cx: 0, cy: 0, span: 2 }, 64, 2, `layers 2 of seed ${netSeed}`);
  });

  it('progress: at most about 200 calls, increasing, ending at the total', () => {
    const net = randomNet({ widths: [16, 16], sigmaB: 0.2, seed: rng.nextU32() });
    const calls: [number, number][] = [];
    enumerateRegions(net, { x0: -2, y0: -2, x1: 2, y1: 2 }, { onProgress: (done, total) => calls.push([done, total]) });
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(202);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
    expect(calls.at(-1)).toEqual([16, 16]);
  });
});

/** Telgarsky's sawtooth of depth k (science.md), y ignored: 2^k regions along x in [0, 1]. */
function sawtooth(k: number): Net {
  const hidden = [
    layer(
      [
        [1, 0],
        [1, 0],
      ],
      [0, -0.5],
    ),
  ];
  for (let l = 1; l < k; l++)
    hidden.push(
      layer(
        [
          [2, -4],
          [2, -4],
        ],
        [0, -0.5],
      ),
    );
  return { inputDim: 2, hidden, output: null };
}

describe('region polygons: coincident lines and dead paths', () => {
  it('a neuron whose line coincides with a line of the layer below makes no sliver', () => {
    for (let trial = 0; trial < 20; trial++) {
      // Two lines through one random point p; layer 2 recombines the first line's two neurons into itself.
      const [px, py] = [rng.uniform() - 0.5, rng.uniform() - 0.5];
      const [a, b, q, r] = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
      const [c, d] = [-(a * px + b * py), -(q * px + r * py)];
      const s = 0.1 + rng.uniform();
      const net: Net = {
        inputDim: 2,
        hidden: [
          layer(
            [
              [a, b],
              [-a, -b],
              [q, r],
            ],
            [c, -c, d],
          ),
          layer(
            [
              [s, -s, 0],
              [-s, s, 0],
            ],
            [0, 0],
          ),
        ],
        output: null,
      };
      const lines: Net = {
        inputDim: 2,
        hidden: [
          layer(
            [
              [a, b],
              [q, r],
            ],
            [c, d],
          ),
        ],
        output: null,
      };
      const rect = { x0: -1, y0: -1, x1: 1, y1: 1 };
      const what = `seed ${seed}, trial ${trial}`;
      const result = expectTiling(net, rect, 200, what);
      expect(result.regions, what).toBe(4);
      expect(result.boundaryLength / enumerateRegions(lines, rect).boundaryLength, what).toBeCloseTo(1, 9);
      for (const p of result.polygons ?? []) expect(minWidth(p.vertices), what).toBeGreaterThan(1e-6);
    }
  });

  it('the sawtooth of depth k: 2^k equal strips on [0, 1], plus the two dead sides', () => {
    for (const k of [2, 5, 9]) {
      const rect = { x0: -0.5, y0: 0, x1: 1.5, y1: 0.75 };
      const result = expectTiling(sawtooth(k), rect, 300, `depth ${k}`);
      const strips = 2 ** k;
      expect(result.regions, `depth ${k}`).toBe(strips + 2);
      const inUnit = (result.polygons ?? []).filter((p) => p.point[0] > 0 && p.point[0] < 1);
      expect(inUnit.length).toBe(strips);
      for (const p of inUnit) expect(p.area / (0.75 / strips)).toBeCloseTo(1, 9);
      expect(result.boundaryLength / 0.75).toBeCloseTo(strips + 1, 9);
    }
  });

  it('a neuron on a dead path is constant: no line, its sign from its bias', () => {
    for (const bias of [0.25, 0, -0.25]) {
      const net: Net = { inputDim: 2, hidden: [layer([[1, 0]], [-5]), layer([[1]], [bias])], output: null };
      const result = enumerateRegions(net, { x0: -1, y0: -1, x1: 1, y1: 1 }, { keepPolygons: true });
      expect(result.regions).toBe(1);
      expect(result.boundaryLength).toBe(0);
      expect(result.polygons?.[0]?.hash).toEqual(evaluatePoint(net, 0.3, -0.2).hash);
    }
  });
});
