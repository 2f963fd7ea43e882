import { describe, expect, it } from 'vitest';
import { histogram, sampleDistances } from '../../src/analysis/distance.ts';
import { enumerateRegions, type Rect } from '../../src/analysis/polygons.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { PolygonLookup } from '../support/polygonLookup.ts';
import { testSeed } from '../support/seed.ts';

const seed = testSeed('unit/distance.test.ts#1');
const rng = new Random(seed);

function randomRect(): Rect {
  const [x0, y0] = [rng.normal() * 0.5, rng.normal() * 0.5];
  return { x0, y0, x1: x0 + 0.3 + 2 * rng.uniform(), y1: y0 + 0.3 + 2 * rng.uniform() };
}

/** Distances from (x, y) to the lines of the polygon's edges that are not on the rectangle's border. */
function edgeLineDistance(v: Float64Array, x: number, y: number, rect: Rect): number {
  const onSide = (a: number, b: number, side: number) => Math.abs(a - side) < 1e-12 && Math.abs(b - side) < 1e-12;
  let d = Number.POSITIVE_INFINITY;
  for (let i = 0; i < v.length; i += 2) {
    const j = (i + 2) % v.length;
    const [ax, ay, bx, by] = [v[i]!, v[i + 1]!, v[j]!, v[j + 1]!];
    const border =
      [rect.x0, rect.x1].some((s) => onSide(ax, bx, s)) || [rect.y0, rect.y1].some((s) => onSide(ay, by, s));
    const length = Math.hypot(bx - ax, by - ay);
    if (border || length === 0) continue;
    d = Math.min(d, Math.abs((bx - ax) * (y - ay) - (by - ay) * (x - ax)) / length);
  }
  return d;
}

describe('distance sampling', () => {
  it('mean x neurons is positive and finite; fewer layers never bring the boundary closer', () => {
    for (const widths of [[16, 16], [32, 32, 32], [8]]) {
      const netSeed = rng.nextU32();
      const net = randomNet({ widths, sigmaB: 0.2, seed: netSeed });
      const rect = randomRect();
      const what = `net ${widths} seed ${netSeed}, rect ${JSON.stringify(rect)}`;
      const all = sampleDistances(net, rect, 1000, netSeed);
      expect(all.distances.length).toBe(1000);
      expect(all.neurons).toBe(widths.reduce((s, w) => s + w, 0));
      expect(all.meanTimesNeurons, what).toBeGreaterThan(0);
      expect(Number.isFinite(all.meanTimesNeurons), what).toBe(true);
      expect(all.meanTimesNeurons).toBeCloseTo(all.mean * all.neurons, 12);
      expect(sampleDistances(net, rect, 1000, netSeed).distances).toEqual(all.distances);
      const first = sampleDistances(net, rect, 1000, netSeed, 1);
      expect(first.neurons).toBe(widths[0]);
      for (let i = 0; i < 1000; i++) expect(first.distances[i]!, what).toBeGreaterThanOrEqual(all.distances[i]!);
    }
  });

  it('the distance is the distance to the boundary of the region polygon holding the point', () => {
    for (const widths of [[6, 6], [10], [5, 5, 5]]) {
      const netSeed = rng.nextU32();
      const net = randomNet({ widths, sigmaB: 0.3, seed: netSeed });
      const rect = randomRect();
      const what = `net ${widths} seed ${netSeed}, rect ${JSON.stringify(rect)}`;
      const lookup = new PolygonLookup(enumerateRegions(net, rect, { keepPolygons: true }).polygons ?? []);
      const { distances } = sampleDistances(net, rect, 500, netSeed);
      // The same points as sampleDistances: x then y from Random(seed).
      const points = new Random(netSeed);
      let checked = 0;
      for (const d of distances) {
        const x = rect.x0 + (rect.x1 - rect.x0) * points.uniform();
        const y = rect.y0 + (rect.y1 - rect.y0) * points.uniform();
        const { inside, nearEdge } = lookup.locate(x, y, 1e-9);
        if (nearEdge) continue;
        expect(inside.length, what).toBe(1);
        const edges = edgeLineDistance(inside[0]!.vertices, x, y, rect);
        const border = Math.min(x - rect.x0, rect.x1 - x, y - rect.y0, rect.y1 - y);
        // Every edge inside the rectangle lies on a neuron's line; a nearer line must lie beyond the border.
        expect(d, `${what} at (${x}, ${y})`).toBeLessThanOrEqual(edges * (1 + 1e-9));
        expect(d, `${what} at (${x}, ${y})`).toBeGreaterThanOrEqual(Math.min(edges, border) * (1 - 1e-9));
        checked++;
      }
      expect(checked).toBeGreaterThan(490);
    }
  });
});

describe('histogram', () => {
  it('counts every finite value once, in the bin its edges say; above the top goes to the last bin', () => {
    const values = Array.from({ length: 5000 }, () => -Math.log(rng.uniform()));
    values.push(Number.POSITIVE_INFINITY, Number.NaN, -0);
    for (const [bins, max] of [
      [20, undefined],
      [7, 1.5],
      [1, 0.1],
    ] as const) {
      const h = histogram(values, bins, max);
      expect(h.counts.length).toBe(bins);
      expect(h.edges.length).toBe(bins + 1);
      expect(h.edges[0]).toBe(0);
      expect(
        h.counts.reduce((s, c) => s + c, 0),
        `seed ${seed}`,
      ).toBe(5001);
      const top = h.edges[bins]!;
      if (max !== undefined) expect(top).toBe(max);
      else expect(values.filter((v) => Number.isFinite(v) && v > top).length).toBeLessThanOrEqual(50);
      const expected = new Array<number>(bins).fill(0);
      for (const v of values.filter(Number.isFinite)) {
        const bin = v >= top ? bins - 1 : h.edges.findIndex((e, i) => v >= e && v < h.edges[i + 1]!);
        expected[bin]! += 1;
      }
      expect(h.counts, `seed ${seed}, bins ${bins}, max ${max}`).toEqual(expected);
      expect(h.above).toBe(values.filter((v) => Number.isFinite(v) && v > top).length);
    }
  });

  it('a range that is not positive becomes [0, 1]', () => {
    expect(histogram([0, 0, 0], 4).edges).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(histogram([], 2)).toEqual({ edges: [0, 0.5, 1], counts: [0, 0], above: 0 });
  });
});
