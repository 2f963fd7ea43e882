/**
 * Exact enumeration of the activation regions inside a view rectangle, in float64 (science.md, "Regions in a
 * rectangle"). Start from the rectangle; for each layer, cut every polygon of the partition so far by that layer's
 * lines, one neuron after another. On a polygon of the partition after layer l-1 every neuron of layer l is affine
 * (its local map), so the maps are computed once per polygon and reused for all its pieces; a piece's next-layer maps
 * are its parent's maps masked by the piece's signs (the forward pass's local maps, forward.ts).
 *
 * Depth-first: a polygon is carried through all layers before its sibling, so memory stays small for any count.
 * Synchronous and DOM-free, so it also runs inside a Web Worker; progress goes through a callback.
 */
import { balanceNet } from '../model/balance.ts';
import {
  addMapColumn,
  type ColumnLayer,
  columnLayer,
  firstLayerMaps,
  mapsOnRegion,
  mapValue,
} from '../model/forward.ts';
import { finalizeHash, neuronKey } from '../model/hash.ts';
import type { Net } from '../model/net.ts';
import {
  kAbove,
  kCrosses,
  kOnlyOn,
  LineSplitter,
  polygonArea,
  polygonCentroid,
  polygonPerimeter,
  rectPolygon,
} from './convex.ts';

/** An axis-aligned rectangle in input units (corners in any order). */
export interface Rect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** One activation region clipped to the rectangle: a convex polygon. */
export interface RegionPolygon {
  /** x0, y0, x1, y1, ... counter-clockwise (y up). */
  readonly vertices: Float64Array;
  readonly area: number;
  /** The centroid: a point strictly inside, where evaluatePoint gives this region's pattern. */
  readonly point: [number, number];
  /** The pattern hash of the first `layers` layers, as evaluatePoint's `hash`. */
  readonly hash: [number, number];
}

export interface ViewRegions {
  /** Number of activation regions (of the first `layers` layers) meeting the rectangle. */
  readonly regions: number;
  /** Total length of region boundaries inside the rectangle, each shared edge once, the rectangle's border excluded. */
  readonly boundaryLength: number;
  /** Sum of region areas (the rectangle's area, up to rounding). */
  readonly area: number;
  readonly meanArea: number;
  /** Hidden neurons of the first `layers` layers. */
  readonly neurons: number;
  /** boundaryLength / rectangle area / neurons: the papers' density, between c and C (0 when there are no neurons). */
  readonly boundaryDensityPerNeuron: number;
  /** Every region's polygon, when asked for with `keepPolygons`. */
  readonly polygons?: RegionPolygon[];
}

export interface EnumerateOptions {
  /** Only the first `layers` hidden layers make the partition (default: all). */
  readonly layers?: number;
  /**
   * Called at most about 200 times, and once at the end with done === total. Both are areas in input units: the
   * part of the rectangle already cut into final regions, and the rectangle's area.
   */
  readonly onProgress?: (done: number, total: number) => void;
  /** Keep every region's polygon in the result (memory: about 500 bytes per region). */
  readonly keepPolygons?: boolean;
}

/** The activation regions of `net` inside `rect`: count, boundary length, areas, and optionally the polygons. */
export function enumerateRegions(net: Net, rect: Rect, options: EnumerateOptions = {}): ViewRegions {
  // The balanced net has exactly the same regions, with numbers float64 carries through any depth.
  return new RegionWalk(balanceNet(net).net, rect, options).run();
}

/** Reports progress when at least 1/kProgressSteps of the rectangle's area was finished since the last report. */
const kProgressSteps = 200;

/** One polygon's cut by one layer: the layer's local maps there and the neurons whose lines cross it. */
interface LayerCut {
  readonly l: number;
  readonly maps: Float64Array;
  readonly crossing: readonly number[];
  /** Index of the layer's first key in `keys`. */
  readonly key: number;
  /** The next layer, column-major (null when this is the last layer shown). */
  readonly next: ColumnLayer | null;
}

class RegionWalk {
  private readonly layers: number;
  private readonly neurons: number;
  /** (lo, hi) Zobrist key of every neuron of the shown layers, in the global numbering. */
  private readonly keys: Uint32Array;
  /** Index of the first neuron of each layer in the global numbering. */
  private readonly bases: number[] = [];
  /** The shown layers, column-major. */
  private readonly columns: ColumnLayer[] = [];
  private readonly splitter = new LineSplitter();
  private readonly polygons: RegionPolygon[] | null;
  private readonly rect: Float64Array;
  private readonly rectArea: number;
  private regions = 0;
  private perimeter = 0;
  private area = 0;
  private reportedArea = 0;

  constructor(
    private readonly net: Net,
    rect: Rect,
    private readonly options: EnumerateOptions,
  ) {
    this.layers = Math.max(0, Math.min(options.layers ?? net.hidden.length, net.hidden.length));
    const shown = net.hidden.slice(0, this.layers);
    let base = 0;
    for (const layer of shown) {
      this.bases.push(base);
      this.columns.push(columnLayer(layer));
      base += layer.outDim;
    }
    this.neurons = base;
    this.keys = new Uint32Array(2 * base);
    for (let n = 0; n < base; n++) this.keys.set(neuronKey(n), 2 * n);
    this.polygons = options.keepPolygons ? [] : null;
    this.rect = rectPolygon(rect.x0, rect.y0, rect.x1, rect.y1);
    this.rectArea = polygonArea(this.rect);
  }

  run(): ViewRegions {
    const first = this.net.hidden[0];
    if (this.layers === 0 || !first) {
      this.finish(this.rect, 0, 0);
    } else {
      this.visit(0, this.rect, firstLayerMaps(first), 0, 0);
    }
    this.options.onProgress?.(this.rectArea, this.rectArea);
    return this.summary();
  }

  /**
   * Cuts `polygon`, a region of the partition after layer l-1 with layer l's local maps `maps`, by layer l's lines,
   * and carries each piece on to layer l+1 (or records it). (lo, hi) is the raw pattern hash of layers before l.
   */
  private visit(l: number, polygon: Float64Array, maps: Float64Array, lo: number, hi: number): void {
    const { active, crossing } = this.classify(polygon, maps);
    const key = 2 * (this.bases[l] ?? 0);
    let baseLo = lo;
    let baseHi = hi;
    for (let n = 0; n < active.length; n++) {
      if (!active[n]) continue;
      baseLo ^= this.keys[key + 2 * n] ?? 0;
      baseHi ^= this.keys[key + 2 * n + 1] ?? 0;
    }
    const next = (l + 1 < this.layers ? this.columns[l + 1] : undefined) ?? null;
    const nextMaps = next ? mapsOnRegion(next, maps, active) : null;
    const cut: LayerCut = { l, maps, crossing, key, next };
    this.cut(cut, polygon, 0, nextMaps, baseLo, baseHi);
  }

  /**
   * Cuts `piece` by the lines of crossing neurons start, start+1, ... depth-first. `nextMaps` (owned by this call,
   * updated in place) are the next layer's maps with the crossing neurons decided so far: a split gives the active
   * side a copy plus that neuron's column, so each piece costs one column, not one per active crossing neuron.
   */
  private cut(
    cut: LayerCut,
    piece: Float64Array,
    start: number,
    nextMaps: Float64Array | null,
    lo: number,
    hi: number,
  ) {
    const { maps, crossing, key } = cut;
    let current = piece;
    let [currentLo, currentHi] = [lo, hi];
    for (let i = start; i < crossing.length; i++) {
      const n = crossing[i] ?? 0;
      const side = this.splitter.classify(current, maps[3 * n] ?? 0, maps[3 * n + 1] ?? 0, maps[3 * n + 2] ?? 0);
      const [keyLo, keyHi] = [this.keys[key + 2 * n] ?? 0, this.keys[key + 2 * n + 1] ?? 0];
      if (side === kCrosses) {
        const [above, below] = this.splitter.split();
        const aboveMaps = nextMaps ? nextMaps.slice() : null;
        if (aboveMaps && cut.next) addMapColumn(cut.next, n, maps, aboveMaps);
        this.cut(cut, above, i + 1, aboveMaps, currentLo ^ keyLo, currentHi ^ keyHi);
        current = below;
      } else if (side === kAbove || (side === kOnlyOn && this.valueInside(maps, n, current) > 0)) {
        if (nextMaps && cut.next) addMapColumn(cut.next, n, maps, nextMaps);
        currentLo ^= keyLo;
        currentHi ^= keyHi;
      }
    }
    if (nextMaps) this.visit(cut.l + 1, current, nextMaps, currentLo, currentHi);
    else this.finish(current, currentLo, currentHi);
  }

  private valueInside(maps: Float64Array, n: number, polygon: Float64Array): number {
    const [x, y] = polygonCentroid(polygon);
    return mapValue(maps, n, x, y);
  }

  /**
   * The neurons of `maps` on `polygon`: those whose line crosses it, and the constant sign of the others. A neuron with a
   * zero gradient (dead path) has no line; like a polygon thinner than the tolerance, its sign is its value inside.
   */
  private classify(polygon: Float64Array, maps: Float64Array): { active: Uint8Array; crossing: number[] } {
    const outDim = maps.length / 3;
    const active = new Uint8Array(outDim);
    const crossing: number[] = [];
    for (let n = 0; n < outDim; n++) {
      const side = this.splitter.classify(polygon, maps[3 * n] ?? 0, maps[3 * n + 1] ?? 0, maps[3 * n + 2] ?? 0);
      if (side === kCrosses) {
        crossing.push(n);
      } else if (side === kOnlyOn) {
        active[n] = this.valueInside(maps, n, polygon) > 0 ? 1 : 0;
      } else {
        active[n] = side === kAbove ? 1 : 0;
      }
    }
    return { active, crossing };
  }

  private finish(polygon: Float64Array, lo: number, hi: number): void {
    const [px, py] = polygonCentroid(polygon);
    const area = polygonArea(polygon);
    this.regions++;
    this.area += area;
    this.perimeter += polygonPerimeter(polygon);
    this.polygons?.push({ vertices: polygon, area, point: [px, py], hash: finalizeHash(lo, hi) });
    if (this.options.onProgress && this.area - this.reportedArea >= this.rectArea / kProgressSteps) {
      this.reportedArea = this.area;
      this.options.onProgress(Math.min(this.area, this.rectArea), this.rectArea);
    }
  }

  private summary(): ViewRegions {
    const boundaryLength = Math.max(0, (this.perimeter - polygonPerimeter(this.rect)) / 2);
    const summary = {
      regions: this.regions,
      boundaryLength,
      area: this.area,
      meanArea: this.area / Math.max(this.regions, 1),
      neurons: this.neurons,
      boundaryDensityPerNeuron:
        this.neurons > 0 && this.rectArea > 0 ? boundaryLength / this.rectArea / this.neurons : 0,
    };
    return this.polygons ? { ...summary, polygons: this.polygons } : summary;
  }
}
