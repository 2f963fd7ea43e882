/**
 * Convex polygons in float64, stored flat as [x0, y0, x1, y1, ...] in counter-clockwise order (y up), and their split
 * by a line. The region enumeration (polygons.ts) cuts every polygon by one neuron's line at a time with this.
 */

/**
 * A vertex counts as on the line a x + b y + c = 0 when |a x + b y + c| <= kOnLine * (|a x| + |b y| + |c|): a bound
 * on float64 rounding in the local maps, with a wide margin. Lines that coincide exactly in the reals (the sawtooth's
 * layers, a neuron that recombines two others) then never cut slivers off a polygon; only regions thinner than about
 * 1e-10 of the coordinates' size are merged with a neighbour.
 */
export const kOnLine = 1e-10;

/** Where a polygon lies relative to a line, as `LineSplitter.classify` returns it. */
export const kAbove = 1;
export const kBelow = -1;
/** Every vertex is on the line (within the tolerance): the polygon is thinner than the tolerance across it. */
export const kOnlyOn = 0;
/** Vertices strictly on both sides: `split()` makes two pieces. */
export const kCrosses = 2;
export type Side = typeof kAbove | typeof kBelow | typeof kOnlyOn | typeof kCrosses;

/** The rectangle [x0, x1] x [y0, y1] (corners in any order) as a counter-clockwise polygon. */
export function rectPolygon(x0: number, y0: number, x1: number, y1: number): Float64Array {
  const [left, right] = x0 <= x1 ? [x0, x1] : [x1, x0];
  const [bottom, top] = y0 <= y1 ? [y0, y1] : [y1, y0];
  return Float64Array.of(left, bottom, right, bottom, right, top, left, top);
}

/** Signed area (positive for counter-clockwise), taken about the first vertex so deep zooms keep their precision. */
export function polygonArea(v: Float64Array): number {
  const x0 = v[0] ?? 0;
  const y0 = v[1] ?? 0;
  let twice = 0;
  for (let i = 2; i + 3 < v.length; i += 2) {
    twice += ((v[i] ?? 0) - x0) * ((v[i + 3] ?? 0) - y0) - ((v[i + 2] ?? 0) - x0) * ((v[i + 1] ?? 0) - y0);
  }
  return twice / 2;
}

export function polygonPerimeter(v: Float64Array): number {
  const n = v.length;
  let length = 0;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    length += Math.hypot((v[j] ?? 0) - (v[i] ?? 0), (v[j + 1] ?? 0) - (v[i + 1] ?? 0));
  }
  return length;
}

/** The centroid: strictly inside a convex polygon of positive area (the vertex mean for a degenerate one). */
export function polygonCentroid(v: Float64Array): [number, number] {
  const x0 = v[0] ?? 0;
  const y0 = v[1] ?? 0;
  let twice = 0;
  let sx = 0;
  let sy = 0;
  for (let i = 2; i + 3 < v.length; i += 2) {
    const ax = (v[i] ?? 0) - x0;
    const ay = (v[i + 1] ?? 0) - y0;
    const bx = (v[i + 2] ?? 0) - x0;
    const by = (v[i + 3] ?? 0) - y0;
    const cross = ax * by - bx * ay;
    twice += cross;
    sx += (ax + bx) * cross;
    sy += (ay + by) * cross;
  }
  if (twice > 0) return [x0 + sx / (3 * twice), y0 + sy / (3 * twice)];
  let mx = 0;
  let my = 0;
  for (let i = 0; i < v.length; i += 2) {
    mx += v[i] ?? 0;
    my += v[i + 1] ?? 0;
  }
  const n = Math.max(v.length / 2, 1);
  return [mx / n, my / n];
}

/**
 * Splits convex polygons by lines a x + b y + c = 0. `classify` keeps each vertex's value and side in scratch arrays
 * (no allocation per vertex), so `split` can follow it for the same polygon without evaluating the line again.
 */
export class LineSplitter {
  private values = new Float64Array(64);
  private sides = new Int8Array(64);
  private count = 0;
  private polygon: Float64Array = new Float64Array(0);

  classify(v: Float64Array, a: number, b: number, c: number): Side {
    const n = v.length / 2;
    if (n > this.values.length) {
      this.values = new Float64Array(2 * n);
      this.sides = new Int8Array(2 * n);
    }
    let above = 0;
    let below = 0;
    for (let i = 0; i < n; i++) {
      const ax = a * (v[2 * i] ?? 0);
      const by = b * (v[2 * i + 1] ?? 0);
      const f = ax + by + c;
      const tolerance = kOnLine * (Math.abs(ax) + Math.abs(by) + Math.abs(c));
      const side = f > tolerance ? 1 : f < -tolerance ? -1 : 0;
      this.values[i] = f;
      this.sides[i] = side;
      if (side > 0) above++;
      else if (side < 0) below++;
    }
    this.count = n;
    this.polygon = v;
    if (above > 0 && below > 0) return kCrosses;
    return above > 0 ? kAbove : below > 0 ? kBelow : kOnlyOn;
  }

  /**
   * The two pieces, [above, below], of the polygon last classified as kCrosses. Vertices on the line go to both;
   * each edge with ends strictly on opposite sides adds its crossing point to both. Orientation is kept.
   */
  split(): [Float64Array, Float64Array] {
    const { count: n, values: f, sides: s, polygon: v } = this;
    let aboveCount = 0;
    let belowCount = 0;
    for (let i = 0; i < n; i++) {
      const si = s[i] ?? 0;
      const sj = s[(i + 1) % n] ?? 0;
      const crossing = si * sj < 0 ? 1 : 0;
      aboveCount += (si >= 0 ? 1 : 0) + crossing;
      belowCount += (si <= 0 ? 1 : 0) + crossing;
    }
    const above = new Float64Array(2 * aboveCount);
    const below = new Float64Array(2 * belowCount);
    let ia = 0;
    let ib = 0;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      const si = s[i] ?? 0;
      const x = v[2 * i] ?? 0;
      const y = v[2 * i + 1] ?? 0;
      if (si >= 0) {
        above[ia++] = x;
        above[ia++] = y;
      }
      if (si <= 0) {
        below[ib++] = x;
        below[ib++] = y;
      }
      if (si * (s[j] ?? 0) < 0) {
        const fi = f[i] ?? 0;
        const t = fi / (fi - (f[j] ?? 0));
        const cx = x + t * ((v[2 * j] ?? 0) - x);
        const cy = y + t * ((v[2 * j + 1] ?? 0) - y);
        above[ia++] = cx;
        above[ia++] = cy;
        below[ib++] = cx;
        below[ib++] = cy;
      }
    }
    return [above, below];
  }
}
