import { describe, expect, it } from 'vitest';
import { kTie, type SegmentRegion, walkSegment } from '../../src/analysis/segment.ts';
import { type Graph, graphOfNet, type Stage, stagesOf, stageUnits } from '../../src/model/graph/graph.ts';
import { type RandomGraphSpec, randomGraph } from '../../src/model/graph/randomGraph.ts';
import { pointOracle } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

type Point = readonly [number, number];

const seed = testSeed('unit/graphSegment.test.ts#1');
const rng = new Random(seed);

function at(p0: Point, p1: Point, t: number): [number, number] {
  return [p0[0] + t * (p1[0] - p0[0]), p0[1] + t * (p1[1] - p0[1])];
}

/** A segment of length 0.5 to 2 starting within 1 of the origin, where the random graphs have their regions. */
function randomSegment(): [Point, Point] {
  const p0: Point = [2 * rng.uniform() - 1, 2 * rng.uniform() - 1];
  const length = 0.5 + 1.5 * rng.uniform();
  const angle = 2 * Math.PI * rng.uniform();
  return [p0, [p0[0] + length * Math.cos(angle), p0[1] + length * Math.sin(angle)]];
}

function samePattern(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((bit, i) => bit === b[i]);
}

/** Whether two patterns differ in some unit of a max-pool stage. */
function poolChanges(stages: readonly Stage[], a: Uint8Array, b: Uint8Array): boolean {
  return stages.some((s) => {
    if (s.op.kind !== 'maxPool') return false;
    for (let n = s.unitBase; n < s.unitBase + stageUnits(s.op); n++) if (a[n] !== b[n]) return true;
    return false;
  });
}

/**
 * `samples` points along the segment against the walk: every sample's oracle pattern is its region's (but within
 * 1e-9 of a breakpoint), and the distinct consecutive patterns never outnumber the regions. Returns the walk's
 * regions and how many of its breakpoints change a max-pool window.
 */
function checkAgainstSamples(graph: Graph, p0: Point, p1: Point, layers: number, samples: number, what: string) {
  const regions: SegmentRegion[] = [];
  const walk = walkSegment(graph, p0, p1, layers, (region) => regions.push(region));
  expect(regions.length, what).toBe(walk.regions);
  const edges = [0, ...walk.breakpoints, 1];
  const gaps = edges.slice(1).map((e, i) => e - (edges[i] ?? 0));
  expect(Math.min(...gaps), `${what}: breakpoints increase`).toBeGreaterThan(0);
  const oracle = pointOracle(graph, layers);
  let runs = 0;
  let previous: Uint8Array | null = null;
  for (let i = 0; i < samples; i++) {
    const t = (i + 0.5) / samples;
    const pattern = oracle(...at(p0, p1, t)).pattern;
    const region = walk.breakpoints.filter((b) => b <= t).length;
    const nearEdge = Math.min(...edges.map((e) => Math.abs(e - t))) < 1e-9;
    if (!nearEdge) {
      expect(samePattern(pattern, regions[region]?.pattern ?? new Uint8Array()), `${what}: t=${t}`).toBe(true);
    }
    if (!previous || !samePattern(previous, pattern)) runs++;
    previous = pattern;
  }
  expect(runs, `${what}: runs of equal patterns`).toBeLessThanOrEqual(walk.regions);
  const stages = stagesOf(graph).slice(0, layers);
  const pool = regions.slice(1).filter((r, i) => poolChanges(stages, regions[i]?.pattern ?? r.pattern, r.pattern));
  return { regions: walk.regions, poolBreakpoints: pool.length };
}

describe('segment walk on graphs', () => {
  it('agrees with dense sampling of the oracle on fresh random graphs (max pools, leaky units, residuals ...)', () => {
    const mixes: NonNullable<RandomGraphSpec['blocks']>[] = [
      ['conv', 'maxPool', 'residual'],
      ['maxPool', 'leaky'],
      ['leaky', 'avgPool', 'conv'],
      ['pad', 'conv', 'batchNorm', 'maxPool', 'leaky'],
      ['conv', 'concat', 'maxPool', 'residual'],
    ];
    let poolCrossings = 0;
    let regionsMet = 0;
    let cases = 0;
    mixes.forEach((blocks) => {
      for (let trial = 0; trial < 3; trial++) {
        const spec: RandomGraphSpec = {
          seed: rng.nextU32(),
          blocks,
          image: trial % 2 === 0 ? [2, 6, 6] : [1, 4, 4],
          channels: 2 + (trial % 2),
        };
        const graph = randomGraph(spec);
        const [p0, p1] = randomSegment();
        const all = stagesOf(graph).length;
        const layers = trial === 2 ? 1 + (rng.nextU32() % all) : all;
        const what = `seed ${seed}, graph ${JSON.stringify(spec)}, segment ${p0} -> ${p1}, layers ${layers}`;
        const { regions, poolBreakpoints } = checkAgainstSamples(graph, p0, p1, layers, 4000, what);
        regionsMet += regions;
        cases++;
        poolCrossings += poolBreakpoints;
      }
    });
    // Segments cross many regions on the whole (a small graph's short segment may meet one or two), and the max-pool
    // roots are crossed: argmax changes are breakpoints.
    expect(regionsMet, `seed ${seed}`).toBeGreaterThan(5 * cases);
    expect(poolCrossings, `seed ${seed}`).toBeGreaterThan(0);
  });

  it('a max pool right after the plane: every breakpoint is an argmax change at a root of the pool', () => {
    // No relu before the pool: the pattern is the argmax alone, each breakpoint where two candidates meet.
    for (let trial = 0; trial < 4; trial++) {
      const spec: RandomGraphSpec = { seed: rng.nextU32(), blocks: ['maxPool'], image: [2, 4, 4] };
      const graph = randomGraph(spec);
      const [p0, p1] = randomSegment();
      const what = `seed ${seed}, graph ${JSON.stringify(spec)}`;
      const { regions, poolBreakpoints } = checkAgainstSamples(graph, p0, p1, 1, 4000, what);
      expect(poolBreakpoints, what).toBe(regions - 1);
      const walk = walkSegment(graph, p0, p1);
      const oracle = pointOracle(graph);
      for (const b of walk.breakpoints) {
        // At a breakpoint the crossing window's two candidates are equal: the oracle's distance is ~0.
        expect(oracle(...at(p0, p1, b)).distance, `${what}, t=${b}`).toBeLessThan(1e-9);
      }
    }
  });

  it('neurons: relu / leaky elements and max-pool windows of the shown stages; outputs are the oracle outputs', () => {
    const spec: RandomGraphSpec = { seed: rng.nextU32(), blocks: ['leaky', 'maxPool', 'conv'], image: [2, 4, 4] };
    const graph = randomGraph(spec);
    const stages = stagesOf(graph);
    const [p0, p1] = randomSegment();
    for (let layers = 0; layers <= stages.length; layers++) {
      const walk = walkSegment(graph, p0, p1, layers, undefined, 1);
      expect(walk.neurons).toBe(stages.slice(0, layers).reduce((s, stage) => s + stage.op.size, 0));
      const oracle = pointOracle(graph, layers, 1);
      const ts = [0, ...walk.breakpoints, 1];
      expect(walk.outputs.length).toBe(ts.length);
      ts.forEach((t, i) => {
        const expected = oracle(...(t === 1 ? p1 : at(p0, p1, t))).output;
        expect(Math.abs((walk.outputs[i] ?? Number.NaN) - expected), `seed ${seed}, t=${t}`).toBeLessThan(
          1e-9 * Math.max(1, Math.abs(expected)),
        );
      });
    }
  });

  it('an MLP as a graph: the breakpoints and patterns of the MLP walk', () => {
    for (let trial = 0; trial < 4; trial++) {
      const spec = { widths: [16, 16, 16], sigmaB: 0.1 + 0.9 * rng.uniform(), seed: rng.nextU32() };
      const net = randomNet(spec);
      const [p0, p1] = randomSegment();
      const mlp: SegmentRegion[] = [];
      const graph: SegmentRegion[] = [];
      const a = walkSegment(net, p0, p1, 3, (r) => mlp.push(r));
      const b = walkSegment(graphOfNet(net), p0, p1, 3, (r) => graph.push(r));
      const what = `seed ${seed}, net ${JSON.stringify(spec)}`;
      expect(b.regions, what).toBe(a.regions);
      expect(b.neurons, what).toBe(a.neurons);
      b.breakpoints.forEach((t, i) => {
        expect(Math.abs(t - (a.breakpoints[i] ?? Number.NaN)), what).toBeLessThan(100 * kTie);
      });
      graph.forEach((r, i) => {
        expect(samePattern(r.pattern, mlp[i]?.pattern ?? new Uint8Array()), what).toBe(true);
      });
    }
  });
});
