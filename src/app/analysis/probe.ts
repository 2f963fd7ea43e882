/**
 * The segment probe on the canvas: shift-drag draws a segment (in input units, so it stays on the same points
 * while the view moves); the walk's breakpoints are drawn as ticks across it. Drawn in an SVG overlay whose
 * coordinates are canvas pixels.
 */
import type { ImageSize, View } from '../../model/view.ts';
import { canvasToInput } from '../../model/view.ts';

export interface ProbeTarget {
  view(): View;
  size(): ImageSize;
  /** A finished drag: the segment x0,y0,x1,y1 in input units. */
  setSegment(segment: number[]): void;
}

const kSvg = 'http://www.w3.org/2000/svg';
/** More ticks than this are not drawn (they would be a solid bar anyway). */
const kMaxTicks = 4000;
const kTickPx = 6;

/** Continuous canvas-pixel position of an input point (the inverse of canvasToInput). */
function toCanvas(view: View, size: ImageSize, x: number, y: number): [number, number] {
  const scale = size.width / view.span;
  return [(x - view.cx) * scale + size.width / 2, (view.cy - y) * scale + size.height / 2];
}

export class SegmentProbe {
  private readonly svg: SVGSVGElement;
  private readonly line: SVGPathElement;
  private readonly ticks: SVGPathElement;
  private dragging: { pointer: number; start: [number, number]; end: [number, number] } | null = null;
  private segment: number[] = [];
  private breakpoints: readonly number[] = [];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly target: ProbeTarget,
  ) {
    this.svg = document.createElementNS(kSvg, 'svg');
    this.svg.id = 'probe';
    this.svg.classList.add('overlay');
    this.ticks = this.path('probe-ticks');
    this.line = this.path('probe-line');
    canvas.after(this.svg);
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    canvas.addEventListener('pointerup', (event) => this.up(event));
    canvas.addEventListener('pointercancel', () => {
      this.dragging = null;
      this.draw();
    });
  }

  /** The segment to show and the walk's breakpoints on it (t in (0, 1)). */
  show(segment: readonly number[], breakpoints: readonly number[]): void {
    this.segment = [...segment];
    this.breakpoints = breakpoints;
    this.draw();
  }

  /** Redraws for the current view and canvas size. */
  draw(): void {
    const view = this.target.view();
    const size = this.target.size();
    this.svg.setAttribute('viewBox', `0 0 ${size.width} ${size.height}`);
    const segment = this.dragging ? [...this.dragging.start, ...this.dragging.end] : this.segment;
    const [x0, y0, x1, y1] = segment;
    if (x0 === undefined || y0 === undefined || x1 === undefined || y1 === undefined) {
      this.line.setAttribute('d', '');
      this.ticks.setAttribute('d', '');
      return;
    }
    const [u0, v0] = toCanvas(view, size, x0, y0);
    const [u1, v1] = toCanvas(view, size, x1, y1);
    this.line.setAttribute('d', `M${u0},${v0}L${u1},${v1}`);
    const length = Math.hypot(u1 - u0, v1 - v0);
    if (this.dragging || length === 0 || this.breakpoints.length > kMaxTicks) {
      this.ticks.setAttribute('d', '');
      return;
    }
    const nx = (-(v1 - v0) / length) * kTickPx;
    const ny = ((u1 - u0) / length) * kTickPx;
    const ticks = this.breakpoints.map((t) => {
      const u = u0 + t * (u1 - u0);
      const v = v0 + t * (v1 - v0);
      return `M${(u - nx).toFixed(2)},${(v - ny).toFixed(2)}L${(u + nx).toFixed(2)},${(v + ny).toFixed(2)}`;
    });
    this.ticks.setAttribute('d', ticks.join(''));
  }

  private path(className: string): SVGPathElement {
    const path = document.createElementNS(kSvg, 'path');
    path.classList.add(className);
    this.svg.append(path);
    return path;
  }

  private inputPoint(event: PointerEvent): [number, number] {
    const rect = this.canvas.getBoundingClientRect();
    const size = this.target.size();
    const px = ((event.clientX - rect.left) * size.width) / rect.width;
    const py = ((event.clientY - rect.top) * size.height) / rect.height;
    return canvasToInput(this.target.view(), size, px, py);
  }

  private down(event: PointerEvent): void {
    if (!event.shiftKey || event.pointerType !== 'mouse' || event.button !== 0) return;
    const point = this.inputPoint(event);
    this.dragging = { pointer: event.pointerId, start: point, end: point };
    this.draw();
  }

  private move(event: PointerEvent): void {
    if (this.dragging?.pointer !== event.pointerId) return;
    this.dragging.end = this.inputPoint(event);
    this.draw();
  }

  private up(event: PointerEvent): void {
    const drag = this.dragging;
    if (drag?.pointer !== event.pointerId) return;
    this.dragging = null;
    drag.end = this.inputPoint(event);
    if (drag.start[0] === drag.end[0] && drag.start[1] === drag.end[1]) {
      this.draw();
      return;
    }
    this.target.setSegment([...drag.start, ...drag.end]);
  }
}
