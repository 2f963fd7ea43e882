/**
 * What the app shows of the plane a net is seen through: its data points marked on the picture, the MNIST images
 * they are (thumbnails with the net's prediction), and the input image x(u, v) at the cursor.
 */

import type { Network } from '../model/graph/graph.ts';
import { graphOf } from '../model/graph/graph.ts';
import { predictGraph } from '../model/graph/graphForward.ts';
import { kMnistSide } from '../model/mnist.ts';
import { type Plane, planePoint } from '../model/plane.ts';
import type { ImageSize, View } from '../model/view.ts';

export interface PlaneSource {
  plane(): Plane | null;
  /** The net as read (all its inputs). */
  model(): Network;
  view(): View;
  size(): ImageSize;
  /** The input point (u, v) under the cursor, if any. */
  cursor(): readonly [number, number] | null;
}

/** A 28 x 28 grey image (values in [0, 1], clamped) drawn into a canvas. */
function drawImage(canvas: HTMLCanvasElement, pixels: ArrayLike<number>): void {
  canvas.width = kMnistSide;
  canvas.height = kMnistSide;
  const context = canvas.getContext('2d');
  if (!context) return;
  const image = context.createImageData(kMnistSide, kMnistSide);
  for (let i = 0; i < kMnistSide * kMnistSide; i++) {
    const grey = Math.round(255 * Math.min(1, Math.max(0, pixels[i] ?? 0)));
    image.data.set([grey, grey, grey, 255], 4 * i);
  }
  context.putImageData(image, 0, 0);
}

function figure(label: string, pixels: ArrayLike<number>, caption: string): HTMLElement {
  const element = document.createElement('figure');
  const canvas = document.createElement('canvas');
  drawImage(canvas, pixels);
  const text = document.createElement('figcaption');
  text.textContent = `${label}\n${caption}`;
  element.append(canvas, text);
  return element;
}

export class PlaneView {
  readonly box: HTMLDivElement;
  private readonly marks: HTMLDivElement;
  private readonly images: HTMLDivElement;
  private readonly cursorBox: HTMLDivElement;
  private shownPlane: Plane | null = null;
  private shownModel: Network | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    dock: HTMLElement,
    private readonly source: PlaneSource,
  ) {
    this.box = document.createElement('div');
    this.box.id = 'plane-box';
    this.images = document.createElement('div');
    this.images.className = 'plane-images';
    this.cursorBox = document.createElement('div');
    this.cursorBox.className = 'plane-images';
    this.box.append(this.images, this.cursorBox);
    dock.insertBefore(this.box, document.getElementById('readout'));
    this.marks = document.createElement('div');
    this.marks.id = 'marks';
    this.marks.className = 'overlay';
    // Right above the picture: the panels (the dock, the messages, lil-gui) are drawn over the marks.
    canvas.after(this.marks);
    this.refresh();
  }

  /** The plane, the view or the cursor changed. */
  refresh(): void {
    const plane = this.source.plane();
    const model = this.source.model();
    this.box.hidden = plane === null;
    if (plane !== this.shownPlane || model !== this.shownModel) {
      this.shownPlane = plane;
      this.shownModel = model;
      this.images.replaceChildren();
      if (plane) this.showImages(plane, model);
    }
    this.placeMarks(plane);
    this.showCursor(plane, model);
  }

  private showImages(plane: Plane, model: Network): void {
    if (!plane.mnist) {
      const text = document.createElement('div');
      text.textContent = `plane through ${plane.marks.map((m) => m.label).join(', ') || 'the origin'}`;
      this.images.append(text);
      return;
    }
    for (const [i, mark] of plane.marks.entries()) {
      const point = planePoint(plane, mark.u, mark.v);
      const { predicted } = predictGraph(graphOf(model), point);
      this.images.append(figure(`${i + 1}: ${mark.label.replace('mnist:', '')}`, point, `predicted ${predicted}`));
    }
  }

  private showCursor(plane: Plane | null, model: Network): void {
    const cursor = this.source.cursor();
    if (!plane?.mnist || !cursor) {
      this.cursorBox.replaceChildren();
      return;
    }
    const point = planePoint(plane, cursor[0], cursor[1]);
    const { predicted } = predictGraph(graphOf(model), point);
    this.cursorBox.replaceChildren(figure('at the cursor', point, `predicted ${predicted}`));
  }

  /** The data points as numbered rings over the picture. */
  private placeMarks(plane: Plane | null): void {
    const marks = plane?.marks ?? [];
    const { cx, cy, span } = this.source.view();
    const size = this.source.size();
    const rect = this.canvas.getBoundingClientRect();
    const s = span / size.width;
    this.marks.replaceChildren(
      ...marks.map((mark, i) => {
        const element = document.createElement('div');
        element.className = 'mark';
        element.textContent = String(i + 1);
        element.title = mark.label;
        const x = rect.left + (((mark.u - cx) / s + size.width / 2) * rect.width) / size.width;
        const y = rect.top + ((size.height / 2 - (mark.v - cy) / s) * rect.height) / size.height;
        element.style.left = `${x}px`;
        element.style.top = `${y}px`;
        element.hidden = x < rect.left || x > rect.right || y < rect.top || y > rect.bottom;
        return element;
      }),
    );
  }
}
