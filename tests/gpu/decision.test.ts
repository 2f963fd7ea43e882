/**
 * The decision mode and the output unit (in Chromium on SwiftShader) against the float64 oracle, on fresh random
 * nets of several outputs and random views: the class at every pixel is the oracle's argmax, with both algorithms,
 * in one go and coarse to fine in the smallest steps, except at pixels whose float64 margin between the top two
 * units is within float32's reach (counted and bounded, never skipped silently); the distance to the decision
 * boundary; the output mode's unit; the legend's class colours are the picture's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionClasses } from '../../src/app/legend.ts';
import { classColour, type Rgb } from '../../src/gpu/colourScale.ts';
import { type Algorithm, kAlgorithms } from '../../src/gpu/layout.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import type { Net } from '../../src/model/net.ts';
import { evaluatePoint, type PointFields } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { type ImageSize, panBy, pixelCentre, pixelSize, type View } from '../../src/model/view.ts';
import { type GpuTestPage, openGpuTestPage } from '../support/browser.ts';
import type { FieldsCall } from '../support/gpuPage.ts';
import { classifierView } from '../support/nets.ts';
import { testSeed } from '../support/seed.ts';

let gpu: GpuTestPage;
beforeAll(async () => {
  gpu = await openGpuTestPage();
});
afterAll(async () => {
  await gpu?.harness.close();
});

/** The oracle at every pixel centre. */
function oracle(net: Net, view: View, size: ImageSize, unit = 0): PointFields[] {
  const refs: PointFields[] = [];
  for (let j = 0; j < size.height; j++) {
    for (let i = 0; i < size.width; i++) {
      refs.push(evaluatePoint(net, ...pixelCentre(view, size, i, j), net.hidden.length, unit));
    }
  }
  return refs;
}

/**
 * A margin within float32's reach, relative to the largest output in view: the outputs are carried in float32 (the
 * output mode's tolerance is 1e-4 of that range; measured errors are about 1e-6). At 1e-4 a pair of nearly parallel
 * units made 41 of 1,600 pixels near ties; at 1e-5 there are 0 to a few, and no pixel beyond has another class.
 */
const kTieTolerance = 1e-5;

interface DecisionComparison {
  compared: number;
  /** Pixels whose float64 top-two margin is within the tolerance: the GPU may pick either class there. */
  nearTies: number;
  mismatches: string[];
  /** Where the class agrees: the worst error of the distance to the decision boundary, in pixels. */
  worstDistancePixels: number;
  /** Distinct classes among the compared pixels. */
  classes: number;
}

function compareDecision(
  refs: readonly PointFields[],
  size: ImageSize,
  s: number,
  classes: readonly number[],
  distances: readonly number[] | null,
  only?: (i: number, j: number) => boolean,
): DecisionComparison {
  const scale = Math.max(...refs.flatMap((ref) => ref.outputs.map(Math.abs)), 1e-300);
  const r: DecisionComparison = { compared: 0, nearTies: 0, mismatches: [], worstDistancePixels: 0, classes: 0 };
  const seen = new Set<number>();
  refs.forEach((ref, p) => {
    const [i, j] = [p % size.width, Math.floor(p / size.width)];
    if (only && !only(i, j)) return;
    const { predicted, margin, distance } = ref.decision;
    if (margin <= kTieTolerance * scale) {
      r.nearTies++;
      return;
    }
    r.compared++;
    seen.add(predicted);
    if (classes[p] !== predicted) {
      r.mismatches.push(`pixel ${i},${j}: GPU ${classes[p]}, oracle ${predicted} (margin ${margin.toExponential(2)})`);
      return;
    }
    if (!distances) return;
    const gpuDistance = distances[p] === -1 ? Number.POSITIVE_INFINITY : (distances[p] ?? Number.NaN);
    if (!Number.isFinite(distance)) {
      if (gpuDistance !== distance) r.worstDistancePixels = Number.POSITIVE_INFINITY;
      return;
    }
    // Relative near the pixel, absolute (float32 of the margin) nearer the boundary.
    const error = Math.abs(gpuDistance - distance) / s;
    r.worstDistancePixels = Math.max(r.worstDistancePixels, error / Math.max(1, distance / s));
  });
  r.classes = seen.size;
  return r;
}

function call(
  net: Net,
  view: View,
  size: ImageSize,
  algorithm: Algorithm,
  extra: Partial<FieldsCall> = {},
): FieldsCall {
  const layers = net.hidden.length;
  return {
    netJson: serializeNet(net),
    view,
    ...size,
    layers,
    computeOutput: false,
    algorithm,
    mode: 'decision',
    ...extra,
  };
}

describe('decision mode against the float64 argmax', () => {
  const fileSeed = testSeed('gpu/decision.test.ts: decision');
  const rng = new Random(fileSeed);
  const cases = [
    { name: '2 x 16, 3 outputs', widths: [16, 16], outputs: 3, size: { width: 40, height: 32 } },
    { name: '3 x 20, 10 outputs', widths: [20, 20, 20], outputs: 10, size: { width: 40, height: 40 } },
    { name: '2 x 12, one output (its sign)', widths: [12, 12], outputs: 1, size: { width: 32, height: 24 } },
    { name: '1100 neurons, 10 outputs', widths: [300, 500, 300], outputs: 10, size: { width: 8, height: 8 } },
  ];
  for (const c of cases) {
    for (const algorithm of kAlgorithms) {
      it(`${c.name} (${algorithm})`, async () => {
        const seed = rng.nextU32();
        const sigmaB = 0.2 + rng.uniform();
        const random = randomNet({ widths: c.widths, sigmaB, seed, outputs: c.outputs });
        const { net, view } = classifierView(random, rng);
        const context = `widths ${c.widths}, ${c.outputs} outputs, seed ${seed}, sigma_b ${sigmaB}, view ${JSON.stringify(view)} (file seed ${fileSeed})`;
        const reply = await gpu.fields(call(net, view, c.size, algorithm));
        const s = pixelSize(view, c.size);
        const r = compareDecision(oracle(net, view, c.size), c.size, s, reply.output, reply.decisionDistance);
        const pixels = c.size.width * c.size.height;
        console.log(
          `[decision] ${c.name} (${algorithm}): ${r.nearTies} of ${pixels} pixels near a tie, ${r.classes} classes, worst distance ${r.worstDistancePixels.toExponential(2)} px`,
        );
        expect(r.mismatches, context).toEqual([]);
        expect(r.nearTies, context).toBeLessThanOrEqual(Math.max(2, 0.02 * pixels));
        expect(r.compared, context).toBeGreaterThan(0.9 * pixels);
        expect(r.worstDistancePixels, context).toBeLessThan(1e-2);
        expect(r.classes, `${context}: classes in view`).toBeGreaterThanOrEqual(2);
        expect(reply.decisionDistance, context).not.toBeNull();
        expect(gpu.consoleErrors).toEqual([]);
      });
    }
  }

  it('several classes in view: the comparison is not of one flat colour', async () => {
    const net = randomNet({ widths: [16, 16], sigmaB: 0.5, seed: 3, outputs: 10 });
    const view = { cx: 0, cy: 0, span: 8 };
    const size = { width: 32, height: 32 };
    const reply = await gpu.fields(call(net, view, size, 'fast'));
    const r = compareDecision(oracle(net, view, size), size, pixelSize(view, size), reply.output, null);
    expect(r.classes).toBeGreaterThanOrEqual(3);
    expect(r.mismatches).toEqual([]);
  });
});

describe('decision mode coarse to fine, in bounded steps', () => {
  const fileSeed = testSeed('gpu/decision.test.ts: coarse to fine');
  const rng = new Random(fileSeed);
  for (const algorithm of kAlgorithms) {
    const strides = algorithm === 'fast' ? [32, 8, 2, 1] : [8, 4, 2, 1];
    it(`strides ${strides.join(', ')}: each grid's classes exact at its pixels (${algorithm})`, async () => {
      const seed = rng.nextU32();
      const sigmaB = 0.2 + rng.uniform();
      const { net, view } = classifierView(randomNet({ widths: [16, 16, 16], sigmaB, seed, outputs: 10 }), rng);
      const size = algorithm === 'fast' ? { width: 100, height: 70 } : { width: 48, height: 40 };
      const context = `seed ${seed}, sigma_b ${sigmaB}, view ${JSON.stringify(view)} (file seed ${fileSeed})`;
      // Brute force's first grid is the CPU's (as while a shader compiles), the region-seeded pass's the GPU's.
      const cpuFirstGrid = algorithm === 'brute' ? 'always' : 'never';
      const reply = await gpu.progressive(call(net, view, size, algorithm), strides, 1e-6, {
        everyGrid: true,
        cpuFirstGrid,
      });
      expect(
        reply.stages.map((st) => st.stride),
        context,
      ).toEqual(strides.slice(0, -1));
      expect(reply.stages[0]?.pass === 'cpu', context).toBe(algorithm === 'brute');
      const refs = oracle(net, view, size);
      const s = pixelSize(view, size);
      for (const stage of reply.stages) {
        const onGrid = (i: number, j: number): boolean => i % stage.stride === 0 && j % stage.stride === 0;
        const r = compareDecision(refs, size, s, stage.output, null, onGrid);
        expect(r.mismatches, `${context}, stride ${stage.stride} (${stage.pass})`).toEqual([]);
        expect(r.compared, context).toBeGreaterThan(0);
      }
      const r = compareDecision(refs, size, s, reply.final.output, reply.final.decisionDistance);
      expect(r.mismatches, context).toEqual([]);
      expect(r.nearTies, context).toBeLessThanOrEqual(Math.max(2, 0.02 * size.width * size.height));
      expect(r.worstDistancePixels, context).toBeLessThan(1e-2);
      expect(r.classes, `${context}: classes in view`).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('decision mode after a pan', () => {
  it("a whole-pixel pan moves the classes still in view and computes the rest: the oracle's argmax", async () => {
    const fileSeed = testSeed('gpu/decision.test.ts: pan');
    const rng = new Random(fileSeed);
    const seed = rng.nextU32();
    const { net, view: before } = classifierView(randomNet({ widths: [16, 16], sigmaB: 0.5, seed, outputs: 5 }), rng);
    const size = { width: 100, height: 76 };
    const view = panBy(before, size, -37, 11);
    const context = `seed ${seed}, view ${JSON.stringify(view)} (file seed ${fileSeed})`;
    const reply = await gpu.fields(call(net, view, size, 'fast'), before);
    expect(reply.reusedPixels, context).toBe((size.width - 37) * (size.height - 11));
    const r = compareDecision(
      oracle(net, view, size),
      size,
      pixelSize(view, size),
      reply.output,
      reply.decisionDistance,
    );
    expect(r.mismatches, context).toEqual([]);
    expect(r.nearTies, context).toBeLessThanOrEqual(Math.max(2, 0.02 * size.width * size.height));
    expect(r.worstDistancePixels, context).toBeLessThan(1e-2);
  });
});

describe('the output unit', () => {
  const fileSeed = testSeed('gpu/decision.test.ts: output unit');
  const rng = new Random(fileSeed);
  for (const algorithm of kAlgorithms) {
    it(`unit 2 of 3 is the oracle's unit 2 (${algorithm})`, async () => {
      const seed = rng.nextU32();
      const net = randomNet({ widths: [16, 16], sigmaB: 0.5, seed, outputs: 3 });
      const view = { cx: rng.normal() * 0.5, cy: rng.normal() * 0.5, span: 1 + 3 * rng.uniform() };
      const size = { width: 40, height: 32 };
      const context = `seed ${seed}, view ${JSON.stringify(view)} (file seed ${fileSeed})`;
      const reply = await gpu.fields(call(net, view, size, algorithm, { mode: 'output', outputUnit: 2 }));
      const refs = oracle(net, view, size, 2);
      const range = Math.max(...refs.map((ref) => Math.abs(ref.output)));
      const worst = Math.max(...refs.map((ref, p) => Math.abs((reply.output[p] ?? Number.NaN) - ref.output) / range));
      expect(worst, context).toBeLessThan(1e-4);
      // Not unit 0: the units differ.
      const unit0 = refs.map((ref) => ref.outputs[0] ?? 0);
      const apart = Math.max(...unit0.map((o, p) => Math.abs(o - (reply.output[p] ?? 0)) / range));
      expect(apart, context).toBeGreaterThan(1e-2);
      const [low, high] = reply.outputRange ?? [Number.NaN, Number.NaN];
      const outputs = refs.map((ref) => ref.output);
      expect(Math.abs(low - Math.min(...outputs)) / range, context).toBeLessThan(1e-4);
      expect(Math.abs(high - Math.max(...outputs)) / range, context).toBeLessThan(1e-4);
    });
  }
});

describe('legend colours = picture colours', () => {
  const fileSeed = testSeed('gpu/decision.test.ts: legend');
  const rng = new Random(fileSeed);
  for (const outputs of [10, 1]) {
    it(`decision mode, ${outputs} output${outputs === 1 ? '' : 's'}: each class has its legend colour, boundaries dark`, async () => {
      const seed = rng.nextU32();
      const { net, view } = classifierView(randomNet({ widths: [12, 12], sigmaB: 0.5, seed, outputs }), rng);
      const size = { width: 48, height: 36 };
      const reply = await gpu.colours(call(net, view, size, 'fast'), 'decision', 0.5);
      const legend = decisionClasses(outputs);
      const s = pixelSize(view, size);
      const distances = reply.fields.decisionDistance ?? [];
      let worst = 0;
      let boundary = 0;
      let coloured = 0;
      const channel = (p: number, c: number): number => reply.rgba[4 * p + c] ?? 0;
      for (let p = 0; p < size.width * size.height; p++) {
        const d = distances[p] ?? -1;
        const k = reply.fields.output[p] ?? -1;
        if (d !== -1 && d / s < 0.25) {
          // On a decision boundary: the dark line.
          boundary++;
          expect(Math.max(channel(p, 0), channel(p, 1), channel(p, 2)), `pixel ${p}`).toBeLessThan(40);
          continue;
        }
        // The boundary line covers 1.5 px either side (edges are off): farther, the class colour.
        if (d !== -1 && d / s < 1.6) continue;
        const colour: Rgb = legend[k]?.colour ?? [Number.NaN, Number.NaN, Number.NaN];
        expect(colour).toEqual(classColour(k));
        for (let c = 0; c < 3; c++)
          worst = Math.max(worst, Math.abs(channel(p, c) - Math.round(255 * (colour[c] ?? 0))));
        coloured++;
      }
      const context = `seed ${seed}, view ${JSON.stringify(view)} (file seed ${fileSeed})`;
      expect(worst, context).toBeLessThanOrEqual(2);
      expect(coloured, context).toBeGreaterThan(0.5 * size.width * size.height);
      expect(new Set(reply.fields.output).size, `${context}: classes in view`).toBeGreaterThanOrEqual(2);
      expect(boundary, context).toBeGreaterThan(0);
    });
  }
});
