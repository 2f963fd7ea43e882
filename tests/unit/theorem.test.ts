/**
 * The float64 main formula (src/analysis/theorem.ts): against the expected clipped line length of a one-layer net,
 * against finite differences of the forward pass on deeper nets, and its indicator on hand-built nets.
 */
import { describe, expect, it } from 'vitest';
import type { Rect } from '../../src/analysis/polygons.ts';
import { biasDensity, theoremIntegral, theoremIntegrand } from '../../src/analysis/theorem.ts';
import { makeLayer, type Net, outputUnit } from '../../src/model/net.ts';
import { preActivations } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

/** Length of the line w.x + b = 0 inside `rect` (Liang-Barsky clipping). */
function clippedLength(w: [number, number], b: number, rect: Rect): number {
  const norm2 = w[0] * w[0] + w[1] * w[1];
  const p = [(-b * w[0]) / norm2, (-b * w[1]) / norm2];
  const d = [-w[1] / Math.sqrt(norm2), w[0] / Math.sqrt(norm2)];
  let t0 = Number.NEGATIVE_INFINITY;
  let t1 = Number.POSITIVE_INFINITY;
  for (const [axis, lo, hi] of [
    [0, rect.x0, rect.x1],
    [1, rect.y0, rect.y1],
  ] as const) {
    const pa = p[axis] ?? 0;
    const da = d[axis] ?? 0;
    if (da === 0) {
      if (pa < lo || pa > hi) return 0;
      continue;
    }
    const [a, c] = [(lo - pa) / da, (hi - pa) / da];
    t0 = Math.max(t0, Math.min(a, c));
    t1 = Math.min(t1, Math.max(a, c));
  }
  return Math.max(0, t1 - t0);
}

/** E_b[clipped length] for b ~ N(0, sigma^2): Simpson's rule between the corners' b values, where it bends. */
function expectedClippedLength(w: [number, number], rect: Rect, sigmaB: number): number {
  const corners = [rect.x0, rect.x1].flatMap((x) => [rect.y0, rect.y1].map((y) => -(w[0] * x + w[1] * y)));
  corners.sort((a, b) => a - b);
  let total = 0;
  for (let c = 0; c + 1 < corners.length; c++) {
    const [a, b] = [corners[c] ?? 0, corners[c + 1] ?? 0];
    const steps = 2000;
    const h = (b - a) / steps;
    for (let s = 0; s <= steps; s++) {
      const weight = s === 0 || s === steps ? 1 : s % 2 === 1 ? 4 : 2;
      const bias = a + s * h;
      total += ((weight * h) / 3) * biasDensity(bias, sigmaB) * clippedLength(w, bias, rect);
    }
  }
  return total;
}

/** The integrand from finite differences of the forward pass: gradients, and dN/dZ by perturbing Z. */
function integrandByDifferences(net: Net, x: number, y: number, sigmaB: number, k: number): number {
  const eps = 1e-7;
  const at = preActivations(net, x, y).hidden;
  const dx = [preActivations(net, x + eps, y).hidden, preActivations(net, x - eps, y).hidden];
  const dy = [preActivations(net, x, y + eps).hidden, preActivations(net, x, y - eps).hidden];
  let sum = 0;
  for (let l = 0; l < k; l++) {
    const layer = net.hidden[l];
    const z = at[l];
    if (!layer || !z) continue;
    for (let n = 0; n < layer.outDim; n++) {
      const gx = ((dx[0]?.[l]?.[n] ?? 0) - (dx[1]?.[l]?.[n] ?? 0)) / (2 * eps);
      const gy = ((dy[0]?.[l]?.[n] ?? 0) - (dy[1]?.[l]?.[n] ?? 0)) / (2 * eps);
      const reaches = tailOutput(net, at, l, n, 1e-6, k) !== tailOutput(net, at, l, n, -1e-6, k);
      if (reaches) sum += Math.hypot(gx, gy) * biasDensity((z[n] ?? 0) - (layer.bias[n] ?? 0), sigmaB);
    }
  }
  return sum;
}

/** The shown output of the net truncated after layer k, from layer l's post-activations with Z[n] moved by `by`. */
function tailOutput(net: Net, z: Float64Array[], l: number, n: number, by: number, k: number): number {
  let h = (z[l] ?? new Float64Array(0)).map((v) => Math.max(v, 0));
  h[n] = (h[n] ?? 0) + by;
  for (const layer of net.hidden.slice(l + 1, k)) {
    const next = Float64Array.from(layer.bias);
    for (let o = 0; o < layer.outDim; o++)
      for (let i = 0; i < layer.inDim; i++)
        next[o] = (next[o] ?? 0) + (layer.weight[o * layer.inDim + i] ?? 0) * (h[i] ?? 0);
    h = next.map((v) => Math.max(v, 0));
  }
  const weights = k === net.hidden.length ? outputUnit(net).weight : new Float64Array(h.length).fill(1);
  return h.reduce((s, v, i) => s + v * (weights[i] ?? 0), 0);
}

describe('the main formula, float64', () => {
  const rng = new Random(testSeed('unit/theorem.test.ts#1'));

  it('on one hidden layer the integral over a window is the sum of the expected clipped line lengths', () => {
    for (let trial = 0; trial < 3; trial++) {
      const seed = rng.nextU32();
      const sigmaB = 0.4 + rng.uniform();
      const width = 3 + Math.floor(6 * rng.uniform());
      const net = randomNet({ widths: [width], sigmaB, seed });
      const c = [rng.normal() * 0.5, rng.normal() * 0.5];
      const half = 2 + 3 * rng.uniform();
      const rect = { x0: (c[0] ?? 0) - half, y0: (c[1] ?? 0) - half, x1: (c[0] ?? 0) + half, y1: (c[1] ?? 0) + half };
      const first = net.hidden[0];
      if (!first) throw new Error('no layer');
      let direct = 0;
      for (let n = 0; n < width; n++) {
        const w: [number, number] = [first.weight[2 * n] ?? 0, first.weight[2 * n + 1] ?? 0];
        direct += expectedClippedLength(w, rect, sigmaB);
      }
      const predicted = theoremIntegral(net, rect, sigmaB, 256);
      const context = `seed ${seed}, width ${width}, sigma_b ${sigmaB}, rect ${JSON.stringify(rect)}`;
      expect(Math.abs(predicted - direct) / direct, context).toBeLessThan(1e-4);
    }
  });

  it('equals finite differences of the forward pass on deeper nets, with and without a layer limit', () => {
    for (let trial = 0; trial < 4; trial++) {
      const seed = rng.nextU32();
      const sigmaB = 0.05 + rng.uniform();
      // Narrow later layers: all of a layer's neurons are often off, so the indicator matters.
      const widths = [
        [8, 2, 5],
        [6, 3],
        [7, 2, 4],
        [5, 2],
      ][trial] ?? [4, 4];
      const net = randomNet({ widths, sigmaB, seed });
      const k = trial < 2 ? widths.length : 1 + (trial % widths.length);
      let checked = 0;
      for (let p = 0; p < 50; p++) {
        const [x, y] = [rng.normal() * 2, rng.normal() * 2];
        const expected = integrandByDifferences(net, x, y, sigmaB, k);
        const got = theoremIntegrand(net, x, y, sigmaB, k);
        const context = `seed ${seed}, widths ${widths}, k ${k}, point ${x},${y}`;
        expect(Math.abs(got - expected), context).toBeLessThanOrEqual(1e-6 * (1 + expected));
        if (expected > 0) checked++;
      }
      expect(checked).toBeGreaterThan(10);
    }
  });

  it('a kink counts only where it reaches the output: a dead later layer switches layer 1 off', () => {
    // Layer 1: z = x + 0.1 and z = y - 0.2; layer 2: one neuron relu(x + 0.1) + 0.5 relu(y - 0.2) - 1; output: its sum.
    const first = makeLayer(2, 2);
    first.weight.set([1, 0, 0, 1]);
    first.bias.set([0.1, -0.2]);
    const second = makeLayer(2, 1);
    second.weight.set([1, 0.5]);
    second.bias.set([-1]);
    const net: Net = { inputDim: 2, hidden: [first, second], output: null };
    const sigmaB = 0.7;
    const rng2 = new Random(rng.nextU32());
    let alive = 0;
    for (let p = 0; p < 200; p++) {
      const [x, y] = [rng2.normal() * 2, rng2.normal() * 2];
      const h = [Math.max(x + 0.1, 0), Math.max(y - 0.2, 0)];
      const z2 = (h[0] ?? 0) + 0.5 * (h[1] ?? 0) - 1;
      const grad2 = Math.hypot(x + 0.1 > 0 ? 1 : 0, y - 0.2 > 0 ? 0.5 : 0);
      const layer1 = biasDensity(x, sigmaB) + biasDensity(y, sigmaB);
      const expected = grad2 * biasDensity(z2 + 1, sigmaB) + (z2 > 0 ? layer1 : 0);
      if (z2 > 0) alive++;
      expect(theoremIntegrand(net, x, y, sigmaB), `point ${x},${y}`).toBeCloseTo(expected, 12);
      expect(theoremIntegrand(net, x, y, sigmaB, 1), `point ${x},${y}, k = 1`).toBeCloseTo(layer1, 12);
    }
    expect(alive).toBeGreaterThan(20);
    expect(alive).toBeLessThan(180);
  });

  it('the indicator is the true backward pass: an exact cancellation switches a neuron off', () => {
    // Layer 2 rows (1, 1) and (1, -1), both active near the origin: dN/dZ1 = (2, 0), so y's line does not count.
    const first = makeLayer(2, 2);
    first.weight.set([1, 0, 0, 1]);
    const second = makeLayer(2, 2);
    second.weight.set([1, 1, 1, -1]);
    second.bias.set([5, 5]);
    const net: Net = { inputDim: 2, hidden: [first, second], output: null };
    const sigmaB = 0.5;
    for (const [x, y] of [
      [0.3, 0.2],
      [-0.4, 0.7],
      [0.9, -1.1],
    ] as const) {
      const za = Math.max(x, 0) + Math.max(y, 0);
      const zb = Math.max(x, 0) - Math.max(y, 0);
      // Both layer-2 neurons have gradient (1{x > 0}, ±1{y > 0}).
      const g = Math.hypot(x > 0 ? 1 : 0, y > 0 ? 1 : 0);
      const expected = biasDensity(x, sigmaB) + g * (biasDensity(za, sigmaB) + biasDensity(zb, sigmaB));
      expect(theoremIntegrand(net, x, y, sigmaB), `point ${x},${y}`).toBeCloseTo(expected, 12);
    }
  });
});
