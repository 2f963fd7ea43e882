/**
 * Pointer, wheel, touch and keyboard input, turned into view changes: wheel zooms about the cursor, drag pans,
 * two fingers pinch-zoom and pan, keys + - arrows and 0 (reset). Shift-drag is left to the segment probe. Positions are in canvas (device) pixels.
 */
import { type ImageSize, panBy, type View, zoomAbout } from '../model/view.ts';

export interface ViewTarget {
  view(): View;
  size(): ImageSize;
  setView(view: View): void;
  resetView(): void;
}

const kWheelZoomPerPixel = 0.0015;
const kKeyZoom = 1.25;
const kKeyPan = 0.1;

export function attachInput(canvas: HTMLCanvasElement, target: ViewTarget): () => void {
  const pointers = new Map<number, { x: number; y: number }>();
  const toCanvas = (event: { clientX: number; clientY: number }): { x: number; y: number } => {
    const rect = canvas.getBoundingClientRect();
    const { width, height } = target.size();
    return {
      x: ((event.clientX - rect.left) * width) / rect.width,
      y: ((event.clientY - rect.top) * height) / rect.height,
    };
  };
  const centroid = (): { x: number; y: number; spread: number } => {
    const points = [...pointers.values()];
    const x = points.reduce((s, p) => s + p.x, 0) / points.length;
    const y = points.reduce((s, p) => s + p.y, 0) / points.length;
    const spread = points.reduce((s, p) => s + Math.hypot(p.x - x, p.y - y), 0) / points.length;
    return { x, y, spread };
  };

  const onWheel = (event: WheelEvent): void => {
    event.preventDefault();
    const lines =
      event.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : event.deltaMode === WheelEvent.DOM_DELTA_PAGE ? 400 : 1;
    const factor = Math.exp(-event.deltaY * lines * kWheelZoomPerPixel);
    const { x, y } = toCanvas(event);
    target.setView(zoomAbout(target.view(), target.size(), x, y, factor));
  };
  const onPointerDown = (event: PointerEvent): void => {
    // Shift-drag draws the segment probe (src/app/analysis/probe.ts), not a pan.
    if (event.shiftKey && event.pointerType === 'mouse') {
      canvas.setPointerCapture(event.pointerId);
      return;
    }
    canvas.setPointerCapture(event.pointerId);
    pointers.set(event.pointerId, toCanvas(event));
  };
  // Drags move the view by whole canvas pixels (the remainder is carried), so the renderer can reuse the pixels
  // still in view.
  const carry = { x: 0, y: 0 };
  const onPointerMove = (event: PointerEvent): void => {
    if (!pointers.has(event.pointerId)) return;
    const before = centroid();
    pointers.set(event.pointerId, toCanvas(event));
    const after = centroid();
    const dx = after.x - before.x + carry.x;
    const dy = after.y - before.y + carry.y;
    carry.x = dx - Math.round(dx);
    carry.y = dy - Math.round(dy);
    let view = panBy(target.view(), target.size(), Math.round(dx), Math.round(dy));
    if (pointers.size > 1 && before.spread > 0 && after.spread > 0) {
      view = zoomAbout(view, target.size(), after.x, after.y, after.spread / before.spread);
    }
    target.setView(view);
  };
  const onPointerUp = (event: PointerEvent): void => {
    pointers.delete(event.pointerId);
  };
  const onKey = (event: KeyboardEvent): void => {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    const size = target.size();
    const view = target.view();
    const centre = [size.width / 2, size.height / 2] as const;
    const step = Math.round(kKeyPan * size.width);
    const moves: Record<string, () => View> = {
      '+': () => zoomAbout(view, size, ...centre, kKeyZoom),
      '=': () => zoomAbout(view, size, ...centre, kKeyZoom),
      '-': () => zoomAbout(view, size, ...centre, 1 / kKeyZoom),
      ArrowLeft: () => panBy(view, size, step, 0),
      ArrowRight: () => panBy(view, size, -step, 0),
      ArrowUp: () => panBy(view, size, 0, step),
      ArrowDown: () => panBy(view, size, 0, -step),
    };
    if (event.key === '0') {
      target.resetView();
    } else {
      const move = moves[event.key];
      if (!move) return;
      target.setView(move());
    }
    event.preventDefault();
  };

  canvas.addEventListener('wheel', onWheel, { passive: false });
  canvas.addEventListener('pointerdown', onPointerDown);
  canvas.addEventListener('pointermove', onPointerMove);
  canvas.addEventListener('pointerup', onPointerUp);
  canvas.addEventListener('pointercancel', onPointerUp);
  window.addEventListener('keydown', onKey);
  return () => {
    canvas.removeEventListener('wheel', onWheel);
    canvas.removeEventListener('pointerdown', onPointerDown);
    canvas.removeEventListener('pointermove', onPointerMove);
    canvas.removeEventListener('pointerup', onPointerUp);
    canvas.removeEventListener('pointercancel', onPointerUp);
    window.removeEventListener('keydown', onKey);
  };
}
