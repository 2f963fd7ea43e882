/**
 * The pixel under the cursor, evaluated exactly (float64, src/model/oracle.ts) at the pixel's centre, where the GPU
 * evaluates it: its coordinates, region hash, distance to the nearest boundary and that boundary's layer, the
 * output (of the unit shown) and the predicted class. Evaluations are spaced by three times their own cost, so a net of thousands of neurons never takes the
 * main thread from the input.
 */
import type { Network } from '../model/graph/graph.ts';
import { type PointFields, pointOracle } from '../model/oracle.ts';
import { type ImageSize, pixelCentre, type View } from '../model/view.ts';

export interface HoverSource {
  view(): View;
  size(): ImageSize;
  net(): Network;
  /** Hidden layers that make the partition shown. */
  layers(): number;
  /** The output unit shown. */
  unit(): number;
}

export interface HoverReading {
  /** The pixel (canvas pixels) and its centre (input units). */
  readonly pixel: readonly [number, number];
  readonly point: readonly [number, number];
  readonly fields: PointFields;
}

export class Hover {
  reading: HoverReading | null = null;
  private position: { x: number; y: number } | null = null;
  private oracle: { net: Network; layers: number; unit: number; at: (x: number, y: number) => PointFields } | null =
    null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private nextAllowed = 0;

  constructor(
    canvas: HTMLCanvasElement,
    private readonly source: HoverSource,
    private readonly changed: () => void,
  ) {
    canvas.addEventListener('pointermove', (event) => {
      if (event.pointerType !== 'mouse') return;
      const rect = canvas.getBoundingClientRect();
      const { width, height } = source.size();
      this.position = {
        x: ((event.clientX - rect.left) * width) / rect.width,
        y: ((event.clientY - rect.top) * height) / rect.height,
      };
      this.schedule();
    });
    canvas.addEventListener('pointerleave', () => {
      this.position = null;
      this.reading = null;
      this.changed();
    });
  }

  /** The view, the net or the layers changed: the pixel under the cursor is read again. */
  refresh(): void {
    if (this.position) this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.evaluate();
      },
      Math.max(0, this.nextAllowed - performance.now()),
    );
  }

  private evaluate(): void {
    const position = this.position;
    if (!position) return;
    const start = performance.now();
    const net = this.source.net();
    const layers = this.source.layers();
    const unit = this.source.unit();
    if (this.oracle?.net !== net || this.oracle.layers !== layers || this.oracle.unit !== unit) {
      this.oracle = { net, layers, unit, at: pointOracle(net, layers, unit) };
    }
    const size = this.source.size();
    const i = Math.min(size.width - 1, Math.max(0, Math.floor(position.x)));
    const j = Math.min(size.height - 1, Math.max(0, Math.floor(position.y)));
    const point = pixelCentre(this.source.view(), size, i, j);
    this.reading = { pixel: [i, j], point, fields: this.oracle.at(...point) };
    const cost = performance.now() - start;
    this.nextAllowed = performance.now() + Math.max(16, 3 * cost);
    this.changed();
  }
}
