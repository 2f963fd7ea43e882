import { describe, expect, it } from 'vitest';
import { enumerateGraphRegions, enumerateNetworkRegions } from '../../src/analysis/graphRegions.ts';
import { enumerateRegions, type Rect, type RegionPolygon, type ViewRegions } from '../../src/analysis/polygons.ts';
import { type Graph, graphOfNet, stagesOf } from '../../src/model/graph/graph.ts';
import { type RandomGraphSpec, randomGraph } from '../../src/model/graph/randomGraph.ts';
import { pointOracle } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { PolygonLookup } from '../support/polygonLookup.ts';
import { testSeed } from '../support/seed.ts';

const seed = testSeed('unit/graphRegions.test.ts#1');
const rng = new Random(seed);

function rectArea(r: Rect): number {
  return Math.abs((r.x1 - r.x0) * (r.y1 - r.y0));
}

/** A rectangle of sides 0.8 to 2 near the origin, where the random graphs have their regions. */
function randomRect(): Rect {
  const [w, h] = [0.8 + 1.2 * rng.uniform(), 0.8 + 1.2 * rng.uniform()];
  const [cx, cy] = [0.4 * rng.normal(), 0.4 * rng.normal()];
  return { x0: cx - w / 2, y0: cy - h / 2, x1: cx + w / 2, y1: cy + h / 2 };
}

/** hash -> area of every polygon; the hashes must be distinct (a pattern's region is convex, so one polygon). */
function areasByHash(result: ViewRegions, what: string): Map<string, number> {
  const polygons = result.polygons ?? [];
  const byHash = new Map(polygons.map((p) => [p.hash.join(','), p.area]));
  expect(byHash.size, `${what}: distinct hashes`).toBe(polygons.length);
  return byHash;
}

/**
 * The polygons against the oracle: they tile the rectangle, each holds its hash at its point, there are at least as
 * many as the distinct patterns of an n x n grid, and every grid sample farther than 1e-7 from a boundary (the
 * oracle's distance) lies in exactly one polygon, of the sample's hash.
 */
function expectTiling(graph: Graph, rect: Rect, layers: number, n: number, what: string): ViewRegions {
  const result = enumerateGraphRegions(graph, rect, { keepPolygons: true, layers });
  const polygons = result.polygons ?? [];
  expect(polygons.length, what).toBe(result.regions);
  const area = rectArea(rect);
  expect(Math.abs(result.area - area) / area, `${what}: areas sum to the rectangle`).toBeLessThan(1e-9);
  expect(Math.abs(polygons.reduce((s, p) => s + p.area, 0) - area) / area, what).toBeLessThan(1e-9);
  const oracle = pointOracle(graph, layers);
  for (const p of polygons) {
    expect(p.area, `${what}: positive area`).toBeGreaterThan(0);
    expect(p.hash, `${what}: hash at the polygon's point`).toEqual(oracle(p.point[0], p.point[1]).hash);
  }
  areasByHash(result, what);
  const lookup = new PolygonLookup(polygons);
  const margin = 1e-10 * Math.sqrt(area);
  const hashes = new Set<string>();
  let decided = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const x = rect.x0 + ((i + 0.5) / n) * (rect.x1 - rect.x0);
      const y = rect.y0 + ((j + 0.5) / n) * (rect.y1 - rect.y0);
      const at = oracle(x, y);
      hashes.add(at.hash.join(','));
      if (at.distance <= 1e-7) continue;
      decided++;
      const { inside } = lookup.locate(x, y, margin);
      expect(inside.length, `${what}: polygons holding (${x}, ${y})`).toBe(1);
      expect((inside[0] as RegionPolygon).hash, `${what}: hash at (${x}, ${y})`).toEqual(at.hash);
    }
  }
  expect(decided, what).toBeGreaterThan(0.95 * n * n);
  expect(result.regions, `${what}: regions against grid patterns`).toBeGreaterThanOrEqual(hashes.size);
  return result;
}

describe('graph region polygons', () => {
  it('MLPs seen as graphs: the regions, hashes and areas of enumerateRegions', () => {
    for (const widths of [[10], [8, 8], [12, 12, 12], [6, 6, 6, 6]]) {
      const netSeed = rng.nextU32();
      const net = randomNet({ widths, sigmaB: 0.2 + 0.6 * rng.uniform(), seed: netSeed });
      const rect = randomRect();
      for (const layers of [1, widths.length, 1 + (rng.nextU32() % widths.length)]) {
        const what = `seed ${seed}, net ${widths} seed ${netSeed}, rect ${JSON.stringify(rect)}, layers ${layers}`;
        const mlp = enumerateRegions(net, rect, { keepPolygons: true, layers });
        const graph = enumerateGraphRegions(graphOfNet(net), rect, { keepPolygons: true, layers });
        expect(graph.regions, what).toBe(mlp.regions);
        expect(graph.neurons, what).toBe(mlp.neurons);
        const expected = areasByHash(mlp, what);
        for (const [hash, area] of areasByHash(graph, what)) {
          const other = expected.get(hash);
          expect(other, `${what}: hash ${hash}`).toBeDefined();
          expect(Math.abs(area - (other ?? 0)) / (other ?? 1), `${what}: area of ${hash}`).toBeLessThan(1e-9);
        }
        expect(Math.abs(graph.boundaryLength - mlp.boundaryLength) / mlp.boundaryLength, what).toBeLessThan(1e-9);
      }
    }
  });

  it('fresh random graphs: polygons tile the rectangle, with the oracle hash at every grid sample', () => {
    const mixes: NonNullable<RandomGraphSpec['blocks']>[] = [
      ['conv', 'maxPool', 'residual'],
      ['leaky', 'avgPool', 'conv'],
      ['pad', 'conv', 'batchNorm', 'maxPool', 'leaky'],
      ['conv', 'concat', 'maxPool', 'residual'],
      ['maxPool', 'leaky', 'concat'],
    ];
    mixes.forEach((blocks, m) => {
      for (let trial = 0; trial < 2; trial++) {
        const spec: RandomGraphSpec = {
          seed: rng.nextU32(),
          blocks,
          image: (m + trial) % 2 === 0 ? [1, 4, 4] : [2, 4, 4],
          channels: 2,
        };
        const graph = randomGraph(spec);
        const rect = randomRect();
        const what = `seed ${seed}, graph ${JSON.stringify(spec)}, rect ${JSON.stringify(rect)}`;
        const result = expectTiling(graph, rect, Number.POSITIVE_INFINITY, 70, what);
        expect(result.regions, what).toBeGreaterThan(1);
        const stages = stagesOf(graph);
        expect(result.neurons, what).toBe(stages.reduce((s, stage) => s + stage.op.size, 0));
      }
    });
  });

  it('a larger image: every stage of a [2, 6, 6] graph', () => {
    const spec: RandomGraphSpec = { seed: rng.nextU32(), blocks: ['conv', 'maxPool', 'leaky'], image: [2, 6, 6] };
    const rect = { x0: -0.5, y0: -0.4, x1: 0.5, y1: 0.6 };
    expectTiling(randomGraph(spec), rect, Number.POSITIVE_INFINITY, 80, `seed ${seed}, graph ${JSON.stringify(spec)}`);
  });

  it('layers: only the first stages partition, each count refining the last', () => {
    const spec: RandomGraphSpec = {
      seed: rng.nextU32(),
      blocks: ['conv', 'maxPool', 'residual'],
      image: [1, 4, 4],
      channels: 2,
    };
    const graph = randomGraph(spec);
    const stages = stagesOf(graph);
    const rect = randomRect();
    const what = `seed ${seed}, graph ${JSON.stringify(spec)}, rect ${JSON.stringify(rect)}`;
    let previous = 0;
    for (let layers = 0; layers <= stages.length; layers++) {
      const result = expectTiling(graph, rect, layers, 40, `${what}, layers ${layers}`);
      expect(result.regions, `${what}, layers ${layers}`).toBeGreaterThanOrEqual(previous);
      expect(result.neurons).toBe(stages.slice(0, layers).reduce((s, stage) => s + stage.op.size, 0));
      if (layers === 0)
        expect([result.regions, result.boundaryLength, result.boundaryDensityPerNeuron]).toEqual([1, 0, 0]);
      previous = result.regions;
    }
  });

  it('enumerateNetworkRegions: polygons.ts for an MLP (or a graph that is one), the graph walk for others; progress', () => {
    const net = randomNet({ widths: [8, 8], sigmaB: 0.4, seed: rng.nextU32() });
    const rect = { x0: -1, y0: -1, x1: 1, y1: 1 };
    expect(enumerateNetworkRegions(net, rect)).toEqual(enumerateRegions(net, rect));
    expect(enumerateNetworkRegions(graphOfNet(net), rect)).toEqual(enumerateRegions(net, rect));
    const graph = randomGraph({ seed: rng.nextU32(), blocks: ['leaky', 'maxPool'], image: [1, 4, 4], channels: 2 });
    const calls: [number, number][] = [];
    const result = enumerateNetworkRegions(graph, rect, { onProgress: (done, total) => calls.push([done, total]) });
    expect(result).toEqual(enumerateGraphRegions(graph, rect));
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(202);
    for (let i = 1; i < calls.length; i++) expect(calls[i]?.[0]).toBeGreaterThanOrEqual(calls[i - 1]?.[0] ?? 0);
    expect(calls.at(-1)).toEqual([4, 4]);
  });
});
