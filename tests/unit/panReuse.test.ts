import { describe, expect, it } from 'vitest';
import { kTileSide } from '../../src/gpu/layout.ts';
import { exposedTiles, panShift } from '../../src/gpu/panReuse.ts';
import { panBy, zoomAbout } from '../../src/model/view.ts';

const size = { width: 200, height: 100 };

describe('pan reuse', () => {
  it('recognises whole-pixel pans of the same zoom, and only those', () => {
    const view = { cx: 0.123, cy: -4.5, span: 0.0137 };
    expect(panShift(view, panBy(view, size, -7, 3), size)).toEqual({ dx: 7, dy: -3 });
    expect(panShift(view, panBy(view, size, 0.5, 0), size)).toBe(null);
    expect(panShift(view, zoomAbout(view, size, 10, 10, 1.01), size)).toBe(null);
    expect(panShift(view, panBy(view, size, 250, 0), size)).toBe(null);
  });

  it('lists exactly the tiles that hold a newly exposed pixel', () => {
    const tilesX = Math.ceil(size.width / kTileSide);
    const tilesY = Math.ceil(size.height / kTileSide);
    for (const [dx, dy] of [
      [5, 0],
      [-40, 0],
      [0, 33],
      [17, -3],
    ] as const) {
      const listed = new Set(exposedTiles(size, dx, dy));
      for (let ty = 0; ty < tilesY; ty++) {
        for (let tx = 0; tx < tilesX; tx++) {
          let exposed = false;
          for (let j = ty * kTileSide; j < Math.min(size.height, (ty + 1) * kTileSide); j++) {
            for (let i = tx * kTileSide; i < Math.min(size.width, (tx + 1) * kTileSide); i++) {
              const [si, sj] = [i + dx, j + dy];
              if (si < 0 || si >= size.width || sj < 0 || sj >= size.height) exposed = true;
            }
          }
          expect(listed.has(ty * tilesX + tx), `tile ${tx},${ty} for (${dx}, ${dy})`).toBe(exposed);
        }
      }
    }
  });
});
