/** Point location and shape measures on enumerated region polygons, for the polygon and distance tests. */
import type { RegionPolygon } from '../../src/analysis/polygons.ts';
import { type Layer, makeLayer } from '../../src/model/net.ts';

/** A layer from rows [out][in] and biases. */
export function layer(rows: number[][], bias: number[]): Layer {
  const l = makeLayer(rows[0]?.length ?? 0, rows.length);
  rows.forEach((row, r) => {
    l.weight.set(row, r * l.inDim);
  });
  l.bias.set(bias);
  return l;
}

/** The edges of a ccw polygon, as a start vertex and a unit direction (zero-length edges left out). */
function* edges(v: Float64Array): Generator<{ x: number; y: number; ux: number; uy: number }> {
  const n = v.length;
  for (let i = 0; i < n; i += 2) {
    const [x, y] = [v[i] ?? 0, v[i + 1] ?? 0];
    const ex = (v[(i + 2) % n] ?? 0) - x;
    const ey = (v[((i + 2) % n) + 1] ?? 0) - y;
    const length = Math.hypot(ex, ey);
    if (length > 0) yield { x, y, ux: ex / length, uy: ey / length };
  }
}

/** Signed distance from (px, py) to an edge's line: positive on the inner (left) side. */
function side(e: { x: number; y: number; ux: number; uy: number }, px: number, py: number): number {
  return e.ux * (py - e.y) - e.uy * (px - e.x);
}

/** Signed distance from (x, y) to the nearest edge line of a ccw convex polygon: positive inside. */
export function inset(v: Float64Array, x: number, y: number): number {
  let d = Number.POSITIVE_INFINITY;
  for (const e of edges(v)) d = Math.min(d, side(e, x, y));
  return d;
}

/** The minimum width of a convex polygon: across some edge, the farthest vertex from that edge's line. */
export function minWidth(v: Float64Array): number {
  let width = Number.POSITIVE_INFINITY;
  for (const e of edges(v)) {
    let far = 0;
    for (let k = 0; k < v.length; k += 2) far = Math.max(far, side(e, v[k] ?? 0, v[k + 1] ?? 0));
    width = Math.min(width, far);
  }
  return width;
}

export interface Location {
  /** Polygons holding the point farther than the margin from their edges. */
  readonly inside: RegionPolygon[];
  /** True when the point is within the margin of some polygon's edge: location there is left undecided. */
  readonly nearEdge: boolean;
}

/** Brute-force point location with bounding-box rejection. */
export class PolygonLookup {
  private readonly boxes: Float64Array;

  constructor(readonly polygons: readonly RegionPolygon[]) {
    this.boxes = new Float64Array(4 * polygons.length);
    polygons.forEach((p, k) => {
      const xs = p.vertices.filter((_, i) => i % 2 === 0);
      const ys = p.vertices.filter((_, i) => i % 2 === 1);
      this.boxes.set([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], 4 * k);
    });
  }

  locate(x: number, y: number, margin: number): Location {
    const inside: RegionPolygon[] = [];
    let nearEdge = false;
    this.polygons.forEach((p, k) => {
      const b = this.boxes;
      if (x < b[4 * k]! - margin || y < b[4 * k + 1]! - margin || x > b[4 * k + 2]! + margin) return;
      if (y > b[4 * k + 3]! + margin) return;
      const d = inset(p.vertices, x, y);
      if (d > margin) inside.push(p);
      else if (d > -margin) nearEdge = true;
    });
    return { inside, nearEdge };
  }
}
