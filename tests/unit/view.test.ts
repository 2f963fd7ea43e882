import { describe, expect, it } from 'vitest';
import { randomNet } from '../../src/model/random.ts';
import { canvasToInput, foldFirstLayer, panBy, pixelCentre, zoomAbout } from '../../src/model/view.ts';

const size = { width: 640, height: 480 };

describe('view maths', () => {
  it('follows the pixel convention: centres, y up', () => {
    const view = { cx: 1, cy: 2, span: 6.4 };
    const [x, y] = pixelCentre(view, size, 0, 0);
    expect(x).toBeCloseTo(1 - 3.2 + 0.005, 12);
    expect(y).toBeCloseTo(2 + 2.4 - 0.005, 12);
    expect(pixelCentre(view, size, 639, 479)[1]).toBeCloseTo(2 - 2.4 + 0.005, 12);
  });

  it('zooming about a point keeps it fixed, down to spans of 1e-5 and beyond', () => {
    let view = { cx: 0.3, cy: 0.2, span: 2 };
    const cursor = [123.25, 301.5] as const;
    const target = canvasToInput(view, size, ...cursor);
    for (let step = 0; step < 40; step++) view = zoomAbout(view, size, ...cursor, 1.5);
    expect(view.span).toBeLessThan(1e-6);
    const after = canvasToInput(view, size, ...cursor);
    expect(Math.abs(after[0] - target[0])).toBeLessThan(1e-15);
    expect(Math.abs(after[1] - target[1])).toBeLessThan(1e-15);
  });

  it('panning moves the content with the pointer', () => {
    const view = { cx: 0, cy: 0, span: 6.4 };
    const moved = panBy(view, size, 100, -50);
    const before = canvasToInput(view, size, 200, 200);
    const after = canvasToInput(moved, size, 300, 150);
    expect(after[0]).toBeCloseTo(before[0], 12);
    expect(after[1]).toBeCloseTo(before[1], 12);
  });

  it('folds the view map into the first layer', () => {
    const net = randomNet({ widths: [4], sigmaB: 0.1, seed: 3 });
    const view = { cx: 0.7, cy: -0.1, span: 3.2 };
    const folded = foldFirstLayer(net, view, size);
    const first = net.hidden[0]!;
    const [x0, y0] = pixelCentre(view, size, 10, 20);
    const [x1, y1] = pixelCentre(view, size, 11, 22);
    for (let n = 0; n < 4; n++) {
      const z = (x: number, y: number) => first.weight[2 * n]! * x + first.weight[2 * n + 1]! * y + first.bias[n]!;
      expect(z(x1, y1) - z(x0, y0)).toBeCloseTo(folded[2 * n]! * 1 + folded[2 * n + 1]! * 2, 12);
    }
  });
});
