/**
 * Balancing (src/model/balance.ts): the balanced net has bit for bit the partition and distances of the original
 * and exactly scaled outputs; nets whose weights span float64's range count and walk as their unscaled twins.
 */
import { describe, expect, it } from 'vitest';
import { sampleDistances } from '../../src/analysis/distance.ts';
import { enumerateRegions } from '../../src/analysis/polygons.ts';
import { walkSegment } from '../../src/analysis/segment.ts';
import { theoremIntegral } from '../../src/analysis/theorem.ts';
import { balanceNet, scaleByPowerOfTwo } from '../../src/model/balance.ts';
import { evaluatePoint } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { kExtremeFactors, rescaled } from '../support/nets.ts';
import { testSeed } from '../support/seed.ts';

const seed = testSeed('unit/balance.test.ts');
const rng = new Random(seed);

describe('balanced nets', () => {
  it('scale by powers of two exactly, even past float64 range in between', () => {
    expect(scaleByPowerOfTwo(1.5, 3)).toBe(12);
    expect(scaleByPowerOfTwo(1e300, -2000)).toBe(1e300 * 2 ** -1000 * 2 ** -1000);
    expect(scaleByPowerOfTwo(scaleByPowerOfTwo(3e-300, 1900), -1900)).toBe(3e-300);
  });

  it('have the same patterns and distances bit for bit, outputs scaled by 2^e, numbers near 1', () => {
    const net = randomNet({ widths: [9, 13, 7], sigmaB: 0.3 + rng.uniform(), seed: rng.nextU32() });
    const balanced = balanceNet(net);
    for (const layer of [...balanced.net.hidden, balanced.net.output]) {
      for (let n = 0; n < (layer?.outDim ?? 0); n++) {
        const row = [...(layer?.weight.subarray(n * layer.inDim, (n + 1) * layer.inDim) ?? []), layer?.bias[n] ?? 0];
        expect(Math.max(...row.map(Math.abs)), `seed ${seed}`).toBeGreaterThanOrEqual(0.25);
        expect(Math.max(...row.map(Math.abs)), `seed ${seed}`).toBeLessThan(1);
      }
    }
    for (let p = 0; p < 200; p++) {
      const [x, y] = [rng.normal() * 2, rng.normal() * 2];
      const a = evaluatePoint(net, x, y);
      const b = evaluatePoint(balanced.net, x, y);
      expect(b.hash, `seed ${seed}, point ${x},${y}`).toEqual(a.hash);
      expect(b.distance).toBe(a.distance);
      expect(b.layerDistances).toEqual(a.layerDistances);
      expect(scaleByPowerOfTwo(b.output, -balanced.outputExponent)).toBe(a.output);
    }
  });

  for (const factors of kExtremeFactors) {
    it(`weights scaled by ${factors.join(', ')}: the same regions, walks, distances and theorem`, () => {
      const net = randomNet({ widths: [10, 10, 10], sigmaB: 0.5, seed: rng.nextU32() });
      const extreme = rescaled(net, factors);
      const context = `seed ${seed}`;
      const rect = { x0: -1.5, y0: -1, x1: 1.5, y1: 1.2 };
      const a = enumerateRegions(net, rect);
      const b = enumerateRegions(extreme, rect);
      expect(b.regions, context).toBe(a.regions);
      expect(b.boundaryLength).toBeCloseTo(a.boundaryLength, 8);
      const walkA = walkSegment(net, [-2, -1], [2, 1.3]);
      const walkB = walkSegment(extreme, [-2, -1], [2, 1.3]);
      expect(walkB.regions, context).toBe(walkA.regions);
      const worstBreakpoint = Math.max(...walkB.breakpoints.map((t, i) => Math.abs(t - (walkA.breakpoints[i] ?? 0))));
      const worstOutput = Math.max(...walkB.outputs.map((o, i) => Math.abs(o - (walkA.outputs[i] ?? 0))));
      expect(worstBreakpoint, context).toBeLessThan(1e-12);
      expect(worstOutput, context).toBeLessThan(1e-9);
      const distancesA = sampleDistances(net, rect, 50, 3);
      const distancesB = sampleDistances(extreme, rect, 50, 3);
      expect(distancesB.mean / distancesA.mean).toBeCloseTo(1, 10);
    });
  }

  for (const factor of [1e300, 1e-300, 1e-19]) {
    it(`the theorem of a net scaled by ${factor} with sigma_b scaled alike is the original's`, () => {
      // Every bias is `factor` times the original's: the same expectation with a bias density `factor` times wider.
      const net = randomNet({ widths: [8, 8, 8], sigmaB: 0.5, seed: rng.nextU32() });
      const rect = { x0: -1, y0: -1, x1: 1, y1: 1 };
      const expected = theoremIntegral(net, rect, 0.5, 16);
      const got = theoremIntegral(rescaled(net, [factor, factor, factor]), rect, 0.5 * factor, 16);
      expect(Math.abs(got - expected) / expected, `seed ${seed}`).toBeLessThan(1e-9);
    });
  }
});
