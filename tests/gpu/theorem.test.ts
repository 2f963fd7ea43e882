/**
 * The theorem colour mode (in Chromium on SwiftShader) against the float64 main formula (src/analysis/theorem.ts), on
 * fresh random nets and views: the per-pixel integrand within 1e-3 relative (where it is not tiny, and away from
 * boundaries, where float32 may disagree about which neurons are active), the integral over the view, and a tiled
 * CLI picture equal to an untiled one.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { theoremIntegral, theoremIntegrand } from '../../src/analysis/theorem.ts';
import { type Harness, startHarness } from '../../src/cli/harness.ts';
import { Shooter, type ShotRequest } from '../../src/cli/shooter.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import type { Net } from '../../src/model/net.ts';
import { mlpOnly, resolveNet } from '../../src/model/netSource.ts';
import { evaluatePoint, preActivations } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { type ImageSize, pixelCentre, pixelSize, type View } from '../../src/model/view.ts';
import { testSeed } from '../support/seed.ts';
import type { TheoremCall, TheoremReply } from '../support/theoremPage.ts';

let harness: Harness;
let theorem: (call: TheoremCall) => Promise<TheoremReply>;
let consoleErrors: string[];
beforeAll(async () => {
  harness = await startHarness();
  const opened = await harness.newPage('/tests/support/theorem.html');
  consoleErrors = opened.consoleErrors;
  await opened.page.waitForFunction('window.theoremTest !== undefined');
  await opened.page.evaluate('window.theoremTest.ready');
  type Page = { theoremTest: { theorem(c: TheoremCall): Promise<TheoremReply> } };
  theorem = (call) => opened.page.evaluate((c) => (window as unknown as Page).theoremTest.theorem(c), call);
});
afterAll(async () => {
  await harness?.close();
});

interface Case {
  net: Net;
  view: View;
  size: ImageSize;
  layers: number;
  sigmaB: number;
  context: string;
}

/** Compares the GPU's per-pixel integrand with the oracle's; returns the worst errors. */
function compare(
  c: Case,
  reply: TheoremReply,
): { worstRelative: number; worstOfMax: number; compared: number; sums: { all: number; gpu: number; oracle: number } } {
  const { net, view, size, layers, sigmaB } = c;
  const s = pixelSize(view, size);
  const refs: number[] = [];
  const nearBoundary: boolean[] = [];
  for (let j = 0; j < size.height; j++) {
    for (let i = 0; i < size.width; i++) {
      const [x, y] = pixelCentre(view, size, i, j);
      refs.push(theoremIntegrand(net, x, y, sigmaB, layers));
      // Every layer run decides the indicator, so every layer's boundaries count here.
      nearBoundary.push(evaluatePoint(net, x, y).distance / s <= 1e-4);
    }
  }
  const max = Math.max(...refs);
  let worstRelative = 0;
  let worstOfMax = 0;
  let compared = 0;
  // Sums over the pixels away from boundaries, and the oracle's over all pixels (times the pixel area).
  const sums = { all: 0, gpu: 0, oracle: 0 };
  refs.forEach((ref, p) => {
    sums.all += ref * s * s;
    if (nearBoundary[p]) return;
    sums.gpu += (reply.integrand[p] ?? Number.NaN) * s * s;
    sums.oracle += ref * s * s;
    const error = Math.abs((reply.integrand[p] ?? Number.NaN) - ref);
    worstOfMax = Math.max(worstOfMax, error / max);
    if (ref < 1e-3 * max) return;
    compared++;
    worstRelative = Math.max(worstRelative, error / ref);
  });
  return { worstRelative, worstOfMax, compared, sums };
}

/** The view's rectangle in input units: its grid of pixel centres is the midpoint rule's. */
function viewRect(view: View, size: ImageSize): { x0: number; y0: number; x1: number; y1: number } {
  const s = pixelSize(view, size);
  const [hw, hh] = [(size.width * s) / 2, (size.height * s) / 2];
  return { x0: view.cx - hw, y0: view.cy - hh, x1: view.cx + hw, y1: view.cy + hh };
}

async function check(c: Case, algorithm: TheoremCall['algorithm'] = 'brute', budgetMs?: number): Promise<void> {
  const call = { netJson: serializeNet(c.net), view: c.view, ...c.size, layers: c.layers, sigmaB: c.sigmaB };
  const reply = await theorem({ ...call, algorithm, ...(budgetMs === undefined ? {} : { budgetMs }) });
  const r = compare(c, reply);
  const pixels = c.size.width * c.size.height;
  // Brute force evaluates every pixel; the region-seeded pass once per (region, tile), then O(#neurons) a pixel.
  if (algorithm === 'brute') expect(reply.evaluations, c.context).toBe(pixels);
  else expect(reply.evaluations, `${c.context}: the region-seeded pass`).toBeLessThanOrEqual(pixels);
  expect(r.worstRelative, c.context).toBeLessThan(1e-3);
  expect(r.worstOfMax, c.context).toBeLessThan(1e-4);
  expect(r.compared, c.context).toBeGreaterThan(0.5 * pixels);
  expect(reply.range, c.context).toBe(Math.max(...reply.integrand));
  // A deep zoom shows an almost constant integrand: one colour is right there.
  if (Math.min(...reply.integrand) < 0.5 * reply.range) expect(reply.colours, c.context).toBeGreaterThan(10);
  expect(reply.integralAfterSameRegions, c.context).toBe(reply.integral);
  expect(reply.integralAfterRegions, c.context).toBeNull();
  // The renderer's integral is the sum of its pixels; it matches the oracle's away from boundaries (a pixel on a
  // boundary where a whole layer switches off may legitimately differ in float32: its contribution jumps).
  const s2 = pixelSize(c.view, c.size) ** 2;
  const gpuSum = reply.integrand.reduce((sum, v) => sum + v * s2, 0);
  expect(Math.abs((reply.integral ?? Number.NaN) - gpuSum) / gpuSum, c.context).toBeLessThan(1e-5);
  expect(Math.abs(r.sums.gpu - r.sums.oracle) / r.sums.oracle, c.context).toBeLessThan(1e-4);
  if (c.size.width === c.size.height) {
    const expected = theoremIntegral(c.net, viewRect(c.view, c.size), c.sigmaB, c.size.width, c.layers);
    expect(Math.abs(r.sums.all - expected) / expected, c.context).toBeLessThan(1e-9);
  }
  expect(consoleErrors).toEqual([]);
}

/** Shifts layer `l`'s biases so that the layer has no active neuron at about half of the view's pixels. */
function killHalf(net: Net, l: number, view: View, size: ImageSize): number {
  const layer = net.hidden[l];
  if (!layer) throw new Error(`no layer ${l}`);
  const peaks: number[] = [];
  for (let j = 0; j < size.height; j++) {
    for (let i = 0; i < size.width; i++) {
      const z = preActivations(net, ...pixelCentre(view, size, i, j)).hidden[l] ?? new Float64Array(0);
      peaks.push(Math.max(...z));
    }
  }
  peaks.sort((a, b) => a - b);
  // Halfway between two pixels' peaks: no pixel centre lies on the line where the layer switches off.
  const middle = Math.floor(peaks.length / 2);
  const shift = ((peaks[middle] ?? 0) + (peaks[middle + 1] ?? 0)) / 2;
  for (let n = 0; n < layer.outDim; n++) layer.bias[n] = (layer.bias[n] ?? 0) - shift;
  return peaks.filter((peak) => peak <= shift).length / peaks.length;
}

describe('theorem mode against the float64 main formula', () => {
  const rng = new Random(testSeed('gpu/theorem.test.ts#1'));
  const cases: { name: string; widths: number[]; size: ImageSize; zoom: number; layers?: number }[] = [
    { name: 'one layer of 16', widths: [16], size: { width: 32, height: 32 }, zoom: 1 },
    { name: '3 x 32', widths: [32, 32, 32], size: { width: 32, height: 32 }, zoom: 1 },
    { name: '3 x 20, first 2 layers', widths: [20, 20, 20], size: { width: 32, height: 32 }, zoom: 1, layers: 2 },
    { name: '3 x 24, first layer', widths: [24, 24, 24], size: { width: 24, height: 24 }, zoom: 1, layers: 1 },
    { name: '4 x 12 at a zoom of 1e3', widths: [12, 12, 12, 12], size: { width: 32, height: 32 }, zoom: 1e3 },
    { name: '2 x 16, not square', widths: [16, 16], size: { width: 33, height: 21 }, zoom: 1 },
    { name: '1100 neurons', widths: [300, 500, 300], size: { width: 8, height: 8 }, zoom: 1 },
  ];
  for (const c of cases) {
    for (const algorithm of ['fast', 'brute'] as const) {
      it(`${c.name} (${algorithm})`, async () => {
        const seed = rng.nextU32();
        const sigmaB = 0.05 + rng.uniform();
        const net = randomNet({ widths: c.widths, sigmaB, seed });
        const view = { cx: rng.normal() * 0.5, cy: rng.normal() * 0.5, span: (1 + 3 * rng.uniform()) / c.zoom };
        const layers = c.layers ?? c.widths.length;
        const context = `widths ${c.widths}, layers ${layers}, sigma_b ${sigmaB}, seed ${seed}, view ${JSON.stringify(view)}`;
        await check({ net, view, size: c.size, layers, sigmaB, context }, algorithm);
      });
    }
  }

  // The smallest steps: brute force computes a layer of 40 in parts of 16, 16 and 8 neurons, carrying the layer's sum
  // and its "a neuron is active" from part to part; the region-seeded pass one seed a tile a step.
  for (const algorithm of ['fast', 'brute'] as const) {
    it(`in the smallest steps, layers split into parts (${algorithm})`, async () => {
      const seed = rng.nextU32();
      const sigmaB = 0.2 + rng.uniform();
      const net = randomNet({ widths: [40, 40, 40], sigmaB, seed });
      const view = { cx: rng.normal() * 0.5, cy: rng.normal() * 0.5, span: 1 + 2 * rng.uniform() };
      const context = `widths 40,40,40, sigma_b ${sigmaB}, seed ${seed}, view ${JSON.stringify(view)}`;
      await check({ net, view, size: { width: 24, height: 24 }, layers: 3, sigmaB, context }, algorithm, 1e-6);
    });
  }

  it('a later layer dead in half of the view switches the earlier layers off there', async () => {
    const seed = rng.nextU32();
    const sigmaB = 0.2 + rng.uniform();
    const net = randomNet({ widths: [16, 3, 12], sigmaB, seed });
    const view = { cx: rng.normal() * 0.5, cy: rng.normal() * 0.5, span: 2 + 2 * rng.uniform() };
    const size = { width: 32, height: 32 };
    const dead = killHalf(net, 1, view, size);
    const context = `widths 16,3,12 with layer 2 dead at ${dead} of the pixels, sigma_b ${sigmaB}, seed ${seed}`;
    expect(dead, context).toBeGreaterThan(0.3);
    expect(dead, context).toBeLessThan(0.7);
    await check({ net, view, size, layers: 3, sigmaB, context: `${context}, view ${JSON.stringify(view)}` });
  });
});

describe('theorem mode in the CLI', () => {
  it('a tiled picture equals an untiled one (one colour scale for all tiles)', async () => {
    const shooter = await Shooter.open(harness);
    const seed = new Random(testSeed('gpu/theorem.test.ts#2')).nextU32();
    const source = { kind: 'random', spec: { widths: [16, 16], sigmaB: 0.5, seed } } as const;
    await shooter.setNet(mlpOnly(resolveNet(source), 'a random net'), source.spec);
    const request: ShotRequest = {
      view: { cx: 0.1, cy: -0.2, span: 3 },
      width: 45,
      height: 37,
      layersShown: 2,
      mode: 'theorem',
      palette: 'vivid',
      edgeWidth: 1,
      algorithm: 'fast',
      sigmaB: 0.5,
      pixels: true,
      fields: false,
    };
    const whole = await shooter.shoot(request);
    const tiled = await shooter.shoot({ ...request, maxTile: 16 });
    expect(tiled.tiles).toBe(9);
    expect(Buffer.from(tiled.rgba).equals(Buffer.from(whole.rgba)), `seed ${seed}`).toBe(true);
    await expect(shooter.shoot({ ...request, sigmaB: 0 })).rejects.toThrow(/sigmaB/);
  });
});
