/**
 * The legends' colours are the picture's: each pixel of the output, distance and theorem modes (edges off) has the
 * colour the legend gives its value (src/app/legend.ts and colourScale.ts, the shader's formulas in TypeScript).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputScale } from '../../src/app/legend.ts';
import { distancePosition, outputColour, type Rgb, viridis } from '../../src/gpu/colourScale.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import type { Net } from '../../src/model/net.ts';
import { evaluatePoint } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { pixelCentre, pixelSize } from '../../src/model/view.ts';
import { type GpuTestPage, openGpuTestPage } from '../support/browser.ts';
import type { ColoursReply } from '../support/gpuPage.ts';
import { classifierView } from '../support/nets.ts';
import { testSeed } from '../support/seed.ts';

let gpu: GpuTestPage;
beforeAll(async () => {
  gpu = await openGpuTestPage();
});
afterAll(async () => {
  await gpu?.harness.close();
});

const size = { width: 48, height: 36 };

/** The largest channel difference (of 255) between the picture and `expected`, over the pixels `use` keeps. */
function worstDifference(reply: ColoursReply, expected: (p: number) => Rgb | null): number {
  let worst = 0;
  for (let p = 0; p < size.width * size.height; p++) {
    const colour = expected(p);
    if (!colour) continue;
    for (let c = 0; c < 3; c++) {
      worst = Math.max(worst, Math.abs((reply.rgba[4 * p + c] ?? 0) - Math.round(255 * (colour[c] ?? 0))));
    }
  }
  return worst;
}

/** `net` with its output moved by `shift` (a view without a zero of the output). */
function shifted(net: Net, shift: number): Net {
  const output = net.output;
  if (!output) throw new Error('a net with an output');
  return { ...net, output: { ...output, bias: output.bias.map((b, i) => (i === 0 ? b + shift : b)) } };
}

describe('legend colours = picture colours', () => {
  const fileSeed = testSeed('gpu/colour.test.ts');
  const rng = new Random(fileSeed);
  for (const shift of [0, 40, -40]) {
    it(`output mode, output shifted by ${shift} (${shift === 0 ? 'symmetric' : 'one sign'} scale)`, async () => {
      const seed = rng.nextU32();
      const net = shifted(randomNet({ widths: [12, 12], sigmaB: 0.5, seed }), shift);
      const view = { cx: rng.normal() * 0.3, cy: rng.normal() * 0.3, span: 3 };
      const call = {
        netJson: serializeNet(net),
        view,
        ...size,
        layers: 2,
        computeOutput: true,
        algorithm: 'fast' as const,
      };
      const reply = await gpu.colours(call, 'output', 0.5);
      const range = reply.fields.outputRange;
      expect(range).not.toBeNull();
      if (!range) return;
      if (shift !== 0) expect(Math.sign(range[0]), 'one sign in view').toBe(Math.sign(range[1]));
      const scale = outputScale(range);
      const s = pixelSize(view, size);
      const worst = worstDifference(reply, (p) => {
        const output = reply.fields.output[p] ?? 0;
        // The output's zero lines (1.5 px wide) are drawn over the scale: pixels within 2 px of one are left out.
        const point = pixelCentre(view, size, p % size.width, Math.floor(p / size.width));
        const [gx, gy] = evaluatePoint(net, ...point).outputGradient;
        if (Math.abs(output) < 2 * s * Math.hypot(gx, gy)) return null;
        return scale.colour(scale.position(output));
      });
      expect(worst, `seed ${seed} (file seed ${fileSeed}), pixel size ${s}`).toBeLessThanOrEqual(2);
    });
  }

  it('distance and theorem modes', async () => {
    const seed = rng.nextU32();
    const net = randomNet({ widths: [10, 10], sigmaB: 0.5, seed });
    const view = { cx: rng.normal() * 0.3, cy: rng.normal() * 0.3, span: 2 };
    const call = {
      netJson: serializeNet(net),
      view,
      ...size,
      layers: 2,
      computeOutput: false,
      algorithm: 'fast' as const,
    };
    const distance = await gpu.colours(call, 'distance', 0.5);
    const s = pixelSize(view, size);
    const worstDistance = worstDifference(distance, (p) => {
      const d = distance.fields.distance[p] ?? -1;
      return viridis(distancePosition(d < 0 ? Number.POSITIVE_INFINITY : d / s, size.width));
    });
    expect(worstDistance, `seed ${seed} (file seed ${fileSeed})`).toBeLessThanOrEqual(2);
    const theorem = await gpu.colours(call, 'theorem', 0.5);
    const top = theorem.theoremMax ?? Number.NaN;
    expect(top).toBeGreaterThan(0);
    const worstTheorem = worstDifference(theorem, (p) => viridis((theorem.theorem?.[p] ?? 0) / top));
    expect(worstTheorem, `seed ${seed} (file seed ${fileSeed})`).toBeLessThanOrEqual(2);
  });
});

it('the output colour at the ends of a one-sign scale: white at the least |output|, dark at the largest', () => {
  const scale = outputScale([2, 6]);
  expect(scale.colour(0)).toEqual(outputColour(0, true));
  expect(scale.colour(1)).toEqual(outputColour(1, true));
  const negative = outputScale([-6, -2]);
  expect(negative.colour(1)).toEqual(outputColour(0, false));
  expect(negative.colour(0)).toEqual(outputColour(1, false));
});

describe('a preview (a computation in progress) does not look finished', () => {
  const rng = new Random(testSeed('gpu/colour.test.ts: preview'));
  // (The output mode's stand-in pixels take their grid pixel's record whole, kinks and contour included.)
  for (const mode of ['regions', 'edges', 'decision'] as const) {
    it(`${mode}: each block of the first grid is one colour, its grid pixel's; no edges along the blocks' borders`, async () => {
      const seed = rng.nextU32();
      const random = randomNet({ widths: [16, 16], sigmaB: 0.5, seed, outputs: mode === 'decision' ? 3 : 1 });
      // A decision boundary through the view's centre: more than one class in view.
      const { net, view } = classifierView(random, rng);
      const big = { width: 96, height: 64 };
      const call = {
        netJson: serializeNet(net),
        view,
        ...big,
        layers: 2,
        computeOutput: mode === 'decision',
        algorithm: 'brute' as const,
      };
      const stride = 8;
      const reply = (await gpu.page.evaluate(
        (c, s, m) =>
          (
            window as unknown as {
              gpuTest: { previewPicture(c: unknown, s: number[], m: string, e: number): Promise<unknown> };
            }
          ).gpuTest.previewPicture(c, s, m, 2),
        call,
        [stride, 1],
        mode,
      )) as { preview: number[]; finished: number[] };
      const rgb = (picture: number[], i: number, j: number): string =>
        picture.slice(4 * (j * big.width + i), 4 * (j * big.width + i) + 3).join(',');
      let offBlock = 0;
      for (let j = 0; j < big.height; j++) {
        for (let i = 0; i < big.width; i++) {
          if (rgb(reply.preview, i, j) !== rgb(reply.preview, i - (i % stride), j - (j % stride))) offBlock++;
        }
      }
      expect(offBlock, `seed ${seed}: pixels unlike their block's grid pixel`).toBe(0);
      // The blocks are not one colour (the test sees several regions), and the finished picture has its edges.
      const blocks = new Set<string>();
      for (let j = 0; j < big.height; j += stride)
        for (let i = 0; i < big.width; i += stride) blocks.add(rgb(reply.preview, i, j));
      expect(blocks.size, `seed ${seed}`).toBeGreaterThan(mode === 'decision' ? 1 : 3);
      const finishedColours = new Set<string>();
      for (let j = 0; j < big.height; j++)
        for (let i = 0; i < big.width; i++) finishedColours.add(rgb(reply.finished, i, j));
      expect(finishedColours.size, `seed ${seed}: edges anti-aliased in the finished picture`).toBeGreaterThan(
        blocks.size,
      );
    });
  }
});
