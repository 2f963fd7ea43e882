/** PNG files and contact sheets, from RGBA bytes. */
import { PNG } from 'pngjs';

/** The bytes of a PNG file of the image (written by the caller, all or nothing: outputs.ts). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
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

/** A 3 x 5 pixel font for the labels of contact sheets: rows top to bottom, 3 bits each. */
const kGlyphs: Record<string, number[]> = {
  '0': [7, 5, 5, 5, 7],
  '1': [2, 6, 2, 2, 7],
  '2': [7, 1, 7, 4, 7],
  '3': [7, 1, 7, 1, 7],
  '4': [5, 5, 7, 1, 1],
  '5': [7, 4, 7, 1, 7],
  '6': [7, 4, 7, 5, 7],
  '7': [7, 1, 1, 1, 1],
  '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 7],
  k: [4, 5, 6, 5, 5],
  '=': [0, 7, 0, 7, 0],
  ' ': [0, 0, 0, 0, 0],
  // The words of the checkpoint sweep's labels: "step 0 (init)", "step 250 (ep 2)", "step 2000 (end)".
  s: [3, 4, 2, 1, 6],
  t: [2, 7, 2, 2, 1],
  e: [0, 6, 7, 4, 3],
  p: [0, 6, 5, 6, 4],
  i: [2, 0, 2, 2, 2],
  n: [0, 6, 5, 5, 5],
  d: [1, 1, 7, 5, 7],
  '(': [1, 2, 2, 2, 1],
  ')': [4, 2, 2, 2, 4],
};

/** Writes `text` in black on a white box at (x, y) of `rgba` (an image `width` wide), `scale` pixels a font pixel. */
function drawLabel(rgba: Uint8Array, width: number, x: number, y: number, text: string, scale = 3): void {
  const boxWidth = (text.length * 4 + 1) * scale;
  const boxHeight = 7 * scale;
  for (let j = 0; j < boxHeight; j++) {
    for (let i = 0; i < boxWidth; i++) {
      const glyph = kGlyphs[text[Math.floor((i / scale - 1) / 4)] ?? ' '] ?? [];
      const gx = Math.floor(i / scale - 1) % 4;
      const gy = Math.floor(j / scale) - 1;
      const ink = gx >= 0 && gx < 3 && gy >= 0 && gy < 5 && ((glyph[gy] ?? 0) >> (2 - gx)) & 1;
      rgba.fill(ink ? 0 : 255, ((y + j) * width + x + i) * 4, ((y + j) * width + x + i) * 4 + 3);
    }
  }
}

/** How many characters of label fit on a contact sheet's thumbnail of an image `width` pixels wide. */
export function labelChars(width: number, thumb = 256): number {
  const thumbWidth = Math.floor(width / Math.max(1, Math.ceil(width / thumb)));
  return Math.floor((thumbWidth / 3 - 1) / 4);
}

/**
 * Thumbnails (at most `thumb` pixels wide) in reading order on a white sheet, `gap` pixels apart, each labelled
 * with its entry of `labels` when given.
 */
export function contactSheet(images: readonly Image[], thumb = 256, gap = 8, labels: readonly string[] = []): Image {
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
    const label = labels[n];
    if (label && t.width >= (label.length * 4 + 1) * 3 && t.height >= 21) drawLabel(rgba, width, x0, y0, label);
  });
  return { width, height, rgba };
}

/**
 * The pixel indices within `reach` of `centre` that lie in [0, size): clipped first, so that a point far off the
 * picture (2^53 pixels and more, where `centre + 1 === centre`) or not finite costs nothing and every loop ends.
 */
function clipped(centre: number, reach: number, size: number): [number, number] {
  if (!Number.isFinite(centre)) return [0, -1];
  return [Math.max(0, Math.floor(centre - reach)), Math.min(size - 1, Math.ceil(centre + reach))];
}

/** Rings (white inside black, radius 6 px) at the given pixel positions: the data points of a plane. */
export function drawMarks(image: Image, points: readonly (readonly [number, number])[]): void {
  for (const [x, y] of points) {
    const [i0, i1] = clipped(x, 8, image.width);
    const [j0, j1] = clipped(y, 8, image.height);
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const r = Math.hypot(i - x, j - y);
        const shade = r >= 4.5 && r < 6.5 ? (r < 5.5 ? 255 : 0) : r >= 6.5 && r < 7.5 ? 0 : -1;
        if (shade < 0) continue;
        image.rgba.set([shade, shade, shade, 255], (j * image.width + i) * 4);
      }
    }
  }
}

/** Colours of the data points by class: white, black, then strong hues. */
const kClassInk: readonly (readonly [number, number, number])[] = [
  [255, 255, 255],
  [0, 0, 0],
  [230, 20, 20],
  [20, 90, 230],
  [250, 200, 0],
  [0, 170, 80],
];

/**
 * Dots at [x, y, class] pixel positions, each in its class's colour with a contrasting rim: the training points of a
 * 2-D data set. Their radius grows with the picture (1 px at 300 px wide, at most 3 px).
 */
export function drawPoints(image: Image, points: readonly (readonly [number, number, number])[]): void {
  const radius = Math.min(3, Math.max(1, image.width / 300));
  const reach = Math.ceil(radius + 1);
  for (const [x, y, label] of points) {
    const ink = kClassInk[label % kClassInk.length] ?? [0, 0, 0];
    const rim = label % kClassInk.length === 1 ? [255, 255, 255] : [40, 40, 40];
    const [i0, i1] = clipped(x, reach, image.width);
    const [j0, j1] = clipped(y, reach, image.height);
    for (let j = j0; j <= j1; j++) {
      for (let i = i0; i <= i1; i++) {
        const r = Math.hypot(i - x, j - y);
        if (r >= radius + 0.8) continue;
        image.rgba.set([...(r < radius ? ink : rim), 255], (j * image.width + i) * 4);
      }
    }
  }
}
