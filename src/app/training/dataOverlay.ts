/**
 * The training data drawn over the picture: a dot per point, in the decision mode's colour of its class (training
 * points filled, test points hollow), on a 2-D canvas of the picture's pixels that follows the view.
 */

import { classColour, css } from '../../gpu/colourScale.ts';
import type { ImageSize, View } from '../../model/view.ts';
import type { Dataset, Split } from '../../train/datasets.ts';

export interface OverlaySource {
  /** The data set drawn, or null for none. */
  data(): Dataset | null;
  view(): View;
  size(): ImageSize;
}

/** Radius of a dot in CSS pixels. */
const kRadius = 3;
/** More points than this are not drawn (a solid blanket over the picture). */
const kMaxPoints = 20_000;

/** The canvas-pixel position of an input point (continuous; pixel i covers [i, i + 1)). */
export function pointToCanvas(view: View, size: ImageSize, x: number, y: number): [number, number] {
  const scale = size.width / view.span;
  return [(x - view.cx) * scale + size.width / 2, (view.cy - y) * scale + size.height / 2];
}

export class DataOverlay {
  readonly canvas: HTMLCanvasElement;
  private drawnKey = '';
  private drawnData: Dataset | null = null;

  constructor(
    picture: HTMLCanvasElement,
    private readonly source: OverlaySource,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'data-points';
    this.canvas.className = 'overlay';
    this.canvas.hidden = true;
    picture.after(this.canvas);
  }

  /** Redraws when the data, the view or the canvas size changed. */
  refresh(): void {
    const data = this.source.data();
    const view = this.source.view();
    const size = this.source.size();
    const key = JSON.stringify([view, size]);
    if (data === this.drawnData && key === this.drawnKey) return;
    this.drawnData = data;
    this.drawnKey = key;
    this.canvas.hidden = data === null || data.inputDim !== 2;
    if (this.canvas.hidden || !data) return;
    this.canvas.width = size.width;
    this.canvas.height = size.height;
    const context = this.canvas.getContext('2d');
    if (!context) return;
    context.clearRect(0, 0, size.width, size.height);
    const pixelRatio = size.width / Math.max(1, this.canvas.clientWidth || size.width);
    const radius = kRadius * pixelRatio;
    this.drawSplit(context, data.train, view, size, radius, true);
    this.drawSplit(context, data.test, view, size, radius, false);
  }

  private drawSplit(
    context: CanvasRenderingContext2D,
    split: Split,
    view: View,
    size: ImageSize,
    radius: number,
    filled: boolean,
  ): void {
    const count = Math.min(split.count, kMaxPoints);
    for (let i = 0; i < count; i++) {
      const [u, v] = pointToCanvas(view, size, split.x[2 * i] ?? 0, split.x[2 * i + 1] ?? 0);
      if (u < -radius || v < -radius || u > size.width + radius || v > size.height + radius) continue;
      const colour = css(classColour(split.y[i] ?? 0));
      context.beginPath();
      context.arc(u, v, radius, 0, 2 * Math.PI);
      if (filled) {
        context.fillStyle = colour;
        context.fill();
        context.strokeStyle = 'rgba(0, 0, 0, 0.8)';
        context.lineWidth = 1;
        context.stroke();
      } else {
        // A dark ring under the coloured one: visible on its own class's colour too.
        const width = Math.max(1.5, radius / 1.5);
        context.strokeStyle = 'rgba(0, 0, 0, 0.8)';
        context.lineWidth = width + 2;
        context.stroke();
        context.strokeStyle = colour;
        context.lineWidth = width;
        context.stroke();
      }
    }
  }
}
