import { describe, expect, it } from 'vitest';
import { finalizeHash, neuronKey, patternHash } from '../../src/model/hash.ts';
import { makeLayer, type Net } from '../../src/model/net.ts';
import { evaluatePoint } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

function layer(rows: number[][], bias: number[]) {
  const l = makeLayer(rows[0]?.length ?? 0, rows.length);
  rows.forEach((row, r) => {
    l.weight.set(row, r * l.inDim);
  });
  bias.forEach((b, i) => {
    l.bias[i] = b;
  });
  return l;
}

const rng = new Random(testSeed('unit/oracle.test.ts#1'));

describe('float64 oracle', () => {
  it('one neuron: the distance is the distance to its line, the pattern its side', () => {
    for (let trial = 0; trial < 50; trial++) {
      const a = rng.normal();
      const b = rng.normal();
      const c = rng.normal();
      const net: Net = { inputDim: 2, hidden: [layer([[a, b]], [c])], output: null };
      const x = 3 * rng.normal();
      const y = 3 * rng.normal();
      const fields = evaluatePoint(net, x, y);
      const z = a * x + b * y + c;
      expect(fields.distance).toBeCloseTo(Math.abs(z) / Math.hypot(a, b), 12);
      expect(fields.pattern[0]).toBe(z > 0 ? 1 : 0);
      expect(fields.nearestLayer).toBe(1);
      expect(fields.hash).toEqual(patternHash(z > 0 ? [0] : []));
    }
  });

  it('one hidden layer: the pattern changes exactly across each line', () => {
    const net = randomNet({ widths: [12], sigmaB: 0.5, seed: rng.nextU32() });
    const first = net.hidden[0]!;
    for (let n = 0; n < first.outDim; n++) {
      const [a, b, c] = [first.weight[2 * n]!, first.weight[2 * n + 1]!, first.bias[n]!];
      // A point on line n, away from the other lines, and its two sides at +-epsilon along the normal.
      const t = rng.normal();
      const norm = Math.hypot(a, b);
      const foot = [(-c * a) / norm ** 2 - (t * b) / norm, (-c * b) / norm ** 2 + (t * a) / norm] as const;
      const eps = 1e-9;
      const plus = evaluatePoint(net, foot[0] + (eps * a) / norm, foot[1] + (eps * b) / norm);
      const minus = evaluatePoint(net, foot[0] - (eps * a) / norm, foot[1] - (eps * b) / norm);
      const differing = plus.pattern.reduce((s, bit, i) => s + (bit !== minus.pattern[i] ? 1 : 0), 0);
      expect(differing).toBe(1);
      expect(plus.pattern[n]).toBe(1);
      expect(minus.pattern[n]).toBe(0);
      expect(plus.distance).toBeLessThan(2 * eps);
      expect(plus.hash).not.toEqual(minus.hash);
    }
  });

  it('a hand-built two-layer net: bent boundary, distances per region', () => {
    // Layer 1: h1 = relu(x), h2 = relu(y). Layer 2: z = h1 + h2 - 1: the boundary is x + y = 1 where x, y > 0,
    // x = 1 where y < 0, y = 1 where x < 0.
    const net: Net = {
      inputDim: 2,
      hidden: [
        layer(
          [
            [1, 0],
            [0, 1],
          ],
          [0, 0],
        ),
        layer([[1, 1]], [-1]),
      ],
      output: layer([[2]], [0.5]),
    };
    const inside = evaluatePoint(net, 0.2, 0.3);
    expect(Array.from(inside.pattern)).toEqual([1, 1, 0]);
    expect(inside.distance).toBeCloseTo(0.2, 12); // to the line x = 0 (layer 1)
    expect(inside.nearestLayer).toBe(1);
    const near = evaluatePoint(net, 0.45, 0.5);
    expect(near.distance).toBeCloseTo(0.05 / Math.SQRT2, 12); // to x + y = 1 (layer 2)
    expect(near.nearestLayer).toBe(2);
    const belowAxis = evaluatePoint(net, 0.9, -0.5);
    expect(Array.from(belowAxis.pattern)).toEqual([1, 0, 0]);
    expect(belowAxis.distance).toBeCloseTo(0.1, 12); // to x = 1, the bent part of the layer-2 boundary
    expect(belowAxis.output).toBeCloseTo(0.5, 12); // z = -0.1 is off: output is the bias
    expect(evaluatePoint(net, 2, 2).output).toBeCloseTo(2 * 3 + 0.5, 12);
    expect(evaluatePoint(net, 2, 2).outputGradient).toEqual([2, 2]);
    // Only the first layer: four quadrants.
    expect(evaluatePoint(net, 0.45, 0.5, 1).distance).toBeCloseTo(0.45, 12);
    expect(evaluatePoint(net, 0.45, 0.5, 1).pattern.length).toBe(2);
  });

  it('dead paths have no line: a neuron with zero gradient is skipped', () => {
    const net: Net = {
      inputDim: 2,
      hidden: [layer([[1, 0]], [-5]), layer([[1]], [0.25])],
      output: null,
    };
    // At x = 0 the first neuron is off, so the second neuron's gradient is zero: only the line x = 5 counts.
    const fields = evaluatePoint(net, 0, 0);
    expect(fields.distance).toBeCloseTo(5, 12);
    expect(Array.from(fields.pattern)).toEqual([0, 1]);
    const none: Net = { inputDim: 2, hidden: [layer([[0, 0]], [1])], output: null };
    expect(evaluatePoint(none, 0, 0).distance).toBe(Number.POSITIVE_INFINITY);
    expect(evaluatePoint(none, 0, 0).nearestLayer).toBe(0);
  });
});

describe('pattern hash', () => {
  it('keys are distinct and the finalizer mixes one-neuron differences into both words', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 5000; n++) seen.add(neuronKey(n).join(','));
    expect(seen.size).toBe(5000);
    let loBits = 0;
    let hiBits = 0;
    const trials = 2000;
    for (let trial = 0; trial < trials; trial++) {
      const base = [rng.nextU32(), rng.nextU32()] as const;
      const [klo, khi] = neuronKey(rng.nextU32() % 100000);
      const a = finalizeHash(base[0], base[1]);
      const b = finalizeHash(base[0] ^ klo, base[1] ^ khi);
      loBits += popcount(a[0] ^ b[0]);
      hiBits += popcount(a[1] ^ b[1]);
    }
    // A good mixer flips half of the bits on average.
    expect(loBits / trials).toBeGreaterThan(15);
    expect(loBits / trials).toBeLessThan(17);
    expect(hiBits / trials).toBeGreaterThan(15);
    expect(hiBits / trials).toBeLessThan(17);
  });

  it('is order-free and 64-bit: no collisions among 20000 random patterns', () => {
    expect(patternHash([3, 17, 5])).toEqual(patternHash([5, 3, 17]));
    const hashes = new Set<string>();
    for (let i = 0; i < 20000; i++) {
      const active = Array.from({ length: 64 }, (_, n) => n).filter(() => rng.uniform() < 0.5);
      hashes.add(patternHash(active).join(','));
    }
    expect(hashes.size).toBeGreaterThan(19990);
  });
});

function popcount(x: number): number {
  let v = x >>> 0;
  let c = 0;
  while (v) {
    v &= v - 1;
    c++;
  }
  return c;
}
