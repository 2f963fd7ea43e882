/**
 * The marks and data points drawn into shot's pictures: clipped to the picture before any loop, so a point far off it
 * (a plane's image 10^19 pixels away at a tiny span, a run whose view has span 0) costs nothing and never hangs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawMarks, drawPoints, type Image } from '../../src/cli/png.ts';

const root = join(import.meta.dirname, '..', '..');

const blank = (width: number, height: number): Image => ({ width, height, rgba: new Uint8Array(width * height * 4) });
const grey = (image: Image, i: number, j: number): number => image.rgba[(j * image.width + i) * 4] ?? -1;

describe('marks and points in a picture', () => {
  it('points 2^53 pixels and more off the picture, or not finite, end at once (run in a child: a hang ends there)', () => {
    // A synchronous loop that never ends would also ignore vitest's timeout: run it where it can be killed.
    const script = `
      import { drawMarks, drawPoints } from './src/cli/png.ts';
      const image = { width: 64, height: 48, rgba: new Uint8Array(64 * 48 * 4) };
      const far = [2 ** 53, -(2 ** 53), 6.4e19, -1e300, Infinity, -Infinity, NaN];
      const start = performance.now();
      for (const x of far) {
        drawMarks(image, [[x, 10], [10, x], [x, x]]);
        drawPoints(image, [[x, 10, 0], [10, x, 1], [x, x, 2]]);
      }
      console.log(JSON.stringify({ ms: performance.now() - start, inked: image.rgba.some((v) => v !== 0) }));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.signal, 'the drawing did not end within 30 s').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    const { ms, inked } = JSON.parse(run.stdout) as { ms: number; inked: boolean };
    expect(inked).toBe(false);
    expect(ms).toBeLessThan(1000);
  });

  it('a mark on the picture is drawn, and one across its edge is drawn in part', () => {
    const image = blank(32, 24);
    drawMarks(image, [
      [10, 10],
      [-3, 23.5],
    ]);
    expect(grey(image, 15, 10)).toBe(255); // r = 5: the white ring
    expect(grey(image, 16, 10)).toBe(0); // r = 6: the black rim
    expect(image.rgba[(10 * 32 + 16) * 4 + 3]).toBe(255);
    expect(grey(image, 2, 23)).toBe(255); // r = 5.02 from (-3, 23.5)
    const points = blank(32, 24);
    drawPoints(points, [[31.4, 0.2, 2]]);
    expect(Array.from(points.rgba.subarray((0 * 32 + 31) * 4, (0 * 32 + 31) * 4 + 4))).toEqual([230, 20, 20, 255]);
  });
});
