/** PNG files and contact sheets, from RGBA bytes. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';

export function writePng(path: string, width: number, height: number, rgba: Uint8Array): void {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  writeFile(path, PNG.sync.write(png));
}

export function writeFile(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

export interface Image {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** Box-filtered downscale by an integer factor. */
function shrink(image: Image, factor: number): Image {
  const width = Math.max(1, Math.floor(image.width / factor));
  const height = Math.max(1, Math.floor(image.height / factor));
  const rgba = new Uint8Array(width * height * 4);
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) {
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let dj = 0; dj < factor; dj++) {
          for (let di = 0; di < factor; di++) {
            sum += image.rgba[((j * factor + dj) * image.width + i * factor + di) * 4 + c] ?? 0;
          }
        }
        rgba[(j * width + i) * 4 + c] = Math.round(sum / (factor * factor));
      }
    }
  }
  return { width, height, rgba };
}

/** Thumbnails (at most `thumb` pixels wide) in reading order on a white sheet, `gap` pixels apart. */
export function contactSheet(images: readonly Image[], thumb = 256, gap = 8): Image {
  const first = images[0];
  if (!first) throw new Error('no images for a contact sheet');
  const factor = Math.max(1, Math.ceil(first.width / thumb));
  const thumbs = images.map((image) => shrink(image, factor));
  const tw = Math.max(...thumbs.map((t) => t.width));
  const th = Math.max(...thumbs.map((t) => t.height));
  const columns = Math.ceil(Math.sqrt(thumbs.length));
  const rows = Math.ceil(thumbs.length / columns);
  const width = columns * tw + (columns + 1) * gap;
  const height = rows * th + (rows + 1) * gap;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  thumbs.forEach((t, n) => {
    const x0 = gap + (n % columns) * (tw + gap);
    const y0 = gap + Math.floor(n / columns) * (th + gap);
    for (let j = 0; j < t.height; j++) {
      rgba.set(t.rgba.subarray(j * t.width * 4, (j + 1) * t.width * 4), ((y0 + j) * width + x0) * 4);
    }
  });
  return { width, height, rgba };
}
