/**
 * View maths, all in float64. A view is a centre (cx, cy) and a span (the view's width in input units).
 * Pixel (i, j) of a W x H image (i from the left, j from the top) has its centre at
 *   x = cx + (i + 0.5 - W/2) * span/W,   y = cy - (j + 0.5 - H/2) * span/W   (y up).
 * The GPU works in pixel offsets (u, v) = (i + 0.5 - W/2, j + 0.5 - H/2) from the view centre.
 */
import type { Net } from './net.ts';

export interface View {
  readonly cx: number;
  readonly cy: number;
  readonly span: number;
}

export interface ImageSize {
  readonly width: number;
  readonly height: number;
}

export const kDefaultView: View = { cx: 0, cy: 0, span: 4 };

/** Input units per pixel. */
export function pixelSize(view: View, size: ImageSize): number {
  return view.span / size.width;
}

export function pixelCentre(view: View, size: ImageSize, i: number, j: number): [number, number] {
  const s = pixelSize(view, size);
  return [view.cx + (i + 0.5 - size.width / 2) * s, view.cy - (j + 0.5 - size.height / 2) * s];
}

/** The input point under a (fractional) canvas position, e.g. the cursor (no half-pixel shift). */
export function canvasToInput(view: View, size: ImageSize, px: number, py: number): [number, number] {
  const s = pixelSize(view, size);
  return [view.cx + (px - size.width / 2) * s, view.cy - (py - size.height / 2) * s];
}

/** Zoom by `factor` (> 1 zooms in) keeping the input point under canvas position (px, py) fixed. */
export function zoomAbout(view: View, size: ImageSize, px: number, py: number, factor: number): View {
  const [x, y] = canvasToInput(view, size, px, py);
  const span = view.span / factor;
  const s = span / size.width;
  return { cx: x - (px - size.width / 2) * s, cy: y + (py - size.height / 2) * s, span };
}

/** Pan by a canvas displacement (dx, dy) in pixels: the content follows the pointer. */
export function panBy(view: View, size: ImageSize, dx: number, dy: number): View {
  const s = pixelSize(view, size);
  return { cx: view.cx - dx * s, cy: view.cy + dy * s, span: view.span };
}

/**
 * The first layer folded with the view map: z1(u, v) = z1(centre) + a_n * u + b_n * v, where
 * (a_n, b_n) = (W1[n][0] * s, -W1[n][1] * s). Computed in float64 so a deep zoom keeps its precision.
 */
export function foldFirstLayer(net: Net, view: View, size: ImageSize): Float64Array {
  const first = net.hidden[0];
  if (!first) throw new Error('net has no hidden layer');
  const s = pixelSize(view, size);
  const folded = new Float64Array(first.outDim * 2);
  for (let n = 0; n < first.outDim; n++) {
    folded[2 * n] = (first.weight[2 * n] ?? 0) * s;
    folded[2 * n + 1] = -(first.weight[2 * n + 1] ?? 0) * s;
  }
  return folded;
}
