/**
 * Pan reuse: after a pan by a whole number of pixels, the pixels still in view keep their fields (moved in the
 * fields buffer) and only the tiles that hold newly exposed pixels are labelled again.
 */
import { type ImageSize, pixelSize, type View } from '../model/view.ts';
import { kPixelField, kTileSide, structSize } from './layout.ts';

/** How far (in whole pixels) the content moved from `from` to `to`; null if not a whole-pixel pan of the same zoom. */
export function panShift(from: View, to: View, size: ImageSize): { dx: number; dy: number } | null {
  if (from.span !== to.span) return null;
  const s = pixelSize(from, size);
  // New pixel (i, j) shows old pixel (i + dx, j + dy).
  const dx = (to.cx - from.cx) / s;
  const dy = -(to.cy - from.cy) / s;
  const rx = Math.round(dx);
  const ry = Math.round(dy);
  if (Math.abs(dx - rx) > 1e-6 || Math.abs(dy - ry) > 1e-6) return null;
  if (Math.abs(rx) >= size.width || Math.abs(ry) >= size.height) return null;
  return { dx: rx, dy: ry };
}

/** Tiles (row-major indices) that hold a pixel whose old position (i + dx, j + dy) is outside the image. */
export function exposedTiles(size: ImageSize, dx: number, dy: number): Uint32Array {
  const tilesX = Math.ceil(size.width / kTileSide);
  const tilesY = Math.ceil(size.height / kTileSide);
  const exposedColumns = dx > 0 ? [size.width - dx, size.width] : [0, -dx];
  const exposedRows = dy > 0 ? [size.height - dy, size.height] : [0, -dy];
  const overlaps = (start: number, [a, b]: number[]): boolean => start < (b ?? 0) && start + kTileSide > (a ?? 0);
  const tiles: number[] = [];
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      if (overlaps(tx * kTileSide, exposedColumns) || overlaps(ty * kTileSide, exposedRows))
        tiles.push(ty * tilesX + tx);
    }
  }
  return Uint32Array.from(tiles);
}

/** Records copies that move the fields in `source` by (dx, dy) into `target` (same size). */
export function encodeShift(
  encoder: GPUCommandEncoder,
  source: GPUBuffer,
  target: GPUBuffer,
  size: ImageSize,
  dx: number,
  dy: number,
): void {
  const record = structSize(kPixelField);
  const i0 = Math.max(0, -dx);
  const i1 = Math.min(size.width, size.width - dx);
  if (i1 <= i0) return;
  for (let j = Math.max(0, -dy); j < Math.min(size.height, size.height - dy); j++) {
    const from = ((j + dy) * size.width + i0 + dx) * record;
    encoder.copyBufferToBuffer(source, from, target, (j * size.width + i0) * record, (i1 - i0) * record);
  }
}
