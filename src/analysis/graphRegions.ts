/**
 * Exact enumeration of the regions of a graph (src/model/graph/graph.ts: convolutions, pools, residual and concat
 * branches, leaky units) inside a view rectangle, in float64: polygons.ts's algorithm for any network of 2 inputs.
 *
 * On a region of the partition made by stages < s, every unit of stage s's input tensor is affine in (x, y). So
 * start from the rectangle and, stage after stage, cut every piece by stage s: one forward pass at a point strictly
 * inside the piece (its centroid) with tangents (1, 0), (0, 1) gives each unit's local map there,
 * z(x, y) = v + tx (x - cx) + ty (y - cy). A relu / leakyRelu unit cuts the piece along its line z = 0 (LineSplitter,
 * with polygons.ts's tolerances); a max-pool window cuts it into the cells where each of its candidates is the
 * maximum (the first largest, as the forward pass decides): the half-planes v_k - v_j >= 0 (> 0 for j before k)
 * clipped in turn. A window whose maximum at the centroid stays the maximum over the whole piece is left alone (it
 * is the maximum at every vertex, so by convexity everywhere on the piece). After the last stage shown a piece is a
 * region; its hash is pointOracle's at its centroid (the same pattern and keys).
 *
 * Depth-first: a piece is carried through all stages before its sibling, so memory stays small for any count. An
 * MLP goes faster through polygons.ts (enumerateNetworkRegions picks).
 */
import {
  type Graph,
  isGraph,
  mlpOfGraph,
  type Network,
  type Stage,
  stagesOf,
  stageUnits,
  windowPositions,
} from '../model/graph/graph.ts';
import { GraphForward, poolWindow } from '../model/graph/graphForward.ts';
import { finalizeHash, neuronKey } from '../model/hash.ts';
import {
  kAbove,
  kBelow,
  kCrosses,
  kOnlyOn,
  LineSplitter,
  polygonArea,
  polygonCentroid,
  polygonPerimeter,
  rectPolygon,
} from './convex.ts';
import {
  type EnumerateOptions,
  enumerateRegions,
  type Rect,
  type RegionPolygon,
  type ViewRegions,
} from './polygons.ts';

/**
 * The regions of any network: polygons.ts's enumeration (local maps, no forward pass per piece) for an MLP, and for
 * a graph that is one (mlpOfGraph: the same units, so the same hashes); the walk of this file for other graphs.
 */
export function enumerateNetworkRegions(network: Network, rect: Rect, options: EnumerateOptions = {}): ViewRegions {
  if (!isGraph(network)) return enumerateRegions(network, rect, options);
  const mlp = mlpOfGraph(network);
  return mlp ? enumerateRegions(mlp, rect, options) : enumerateGraphRegions(network, rect, options);
}

/**
 * The regions of the first `layers` stages (options.layers, default all) of a graph of 2 inputs inside `rect`:
 * count, boundary length, areas, and optionally the polygons, as enumerateRegions gives them for an MLP.
 */
export function enumerateGraphRegions(graph: Graph, rect: Rect, options: EnumerateOptions = {}): ViewRegions {
  return new GraphRegionWalk(graph, rect, options).run();
}

/** Reports progress when at least 1/kProgressSteps of the rectangle's area was finished since the last report. */
const kProgressSteps = 200;

const kAxes = [Float64Array.of(1, 0), Float64Array.of(0, 1)];

/**
 * A max-pool window that cuts a piece: its candidates' window positions and local maps v + tx (x - cx) + ty (y - cy)
 * about (cx, cy), the point where the forward pass took them.
 */
interface PoolCut {
  readonly positions: Int32Array;
  readonly v: Float64Array;
  readonly tx: Float64Array;
  readonly ty: Float64Array;
  readonly cx: number;
  readonly cy: number;
}

/**
 * The forward pass of ops [0, end) (a prefix of a topological order is a graph; its stages are the first ones; the
 * ops after the last stage shown are left out) at a point with the x and y tangents, run again only when the point
 * changes.
 */
class PrefixPass {
  private readonly pass: GraphForward;
  private readonly point = new Float64Array(2);
  private lastX = Number.NaN;
  private lastY = Number.NaN;

  constructor(graph: Graph, end: number) {
    this.pass = new GraphForward({ ...graph, ops: graph.ops.slice(0, end), output: end }, 2);
  }

  get tensors(): GraphForward['tensors'] {
    return this.pass.tensors;
  }

  get patterns(): GraphForward['patterns'] {
    return this.pass.patterns;
  }

  runAt(x: number, y: number): void {
    if (x === this.lastX && y === this.lastY) return;
    this.point[0] = x;
    this.point[1] = y;
    this.pass.run(this.point, kAxes);
    this.lastX = x;
    this.lastY = y;
  }
}

/** A line a x + b y + c = 0, scratch. */
interface Line {
  a: number;
  b: number;
  c: number;
}

class GraphRegionWalk {
  private readonly stages: readonly Stage[];
  private readonly neurons: number;
  /** (lo, hi) Zobrist key of every hash unit of the shown stages. */
  private readonly keys: Uint32Array;
  /**
   * The forward pass through the last stage shown: one pass for every stage (a piece that a stage leaves whole goes
   * on to the next at the same point, and the pass is not run again).
   */
  private readonly pass: PrefixPass;
  private readonly window: Int32Array;
  private readonly splitter = new LineSplitter();
  private readonly line: Line = { a: 0, b: 0, c: 0 };
  private readonly polygons: RegionPolygon[] | null;
  private readonly rect: Float64Array;
  private readonly rectArea: number;
  private regions = 0;
  private perimeter = 0;
  private area = 0;
  private reportedArea = 0;

  constructor(
    graph: Graph,
    rect: Rect,
    private readonly options: EnumerateOptions,
  ) {
    if (graph.inputDim !== 2) {
      throw new Error(`region polygons need a network of 2 inputs; this one has ${graph.inputDim}`);
    }
    const all = stagesOf(graph);
    this.stages = all.slice(0, Math.max(0, Math.min(options.layers ?? all.length, all.length)));
    this.neurons = this.stages.reduce((sum, stage) => sum + stage.op.size, 0);
    const last = this.stages.at(-1);
    const units = last ? last.unitBase + stageUnits(last.op) : 0;
    this.keys = new Uint32Array(2 * units);
    for (let n = 0; n < units; n++) this.keys.set(neuronKey(n), 2 * n);
    this.pass = new PrefixPass(graph, last ? last.opIndex + 1 : 0);
    const largest = this.stages.reduce((m, s) => (s.op.kind === 'maxPool' ? Math.max(m, windowPositions(s.op)) : m), 1);
    this.window = new Int32Array(largest);
    this.polygons = options.keepPolygons ? [] : null;
    this.rect = rectPolygon(rect.x0, rect.y0, rect.x1, rect.y1);
    this.rectArea = polygonArea(this.rect);
  }

  run(): ViewRegions {
    this.visit(0, this.rect);
    this.options.onProgress?.(this.rectArea, this.rectArea);
    return this.summary();
  }

  /** Cuts `piece`, a region of the partition made by stages < s, by stage s, and carries the pieces on. */
  private visit(s: number, piece: Float64Array): void {
    const stage = this.stages[s];
    if (!stage) {
      this.finish(piece);
      return;
    }
    const [cx, cy] = polygonCentroid(piece);
    this.pass.runAt(cx, cy);
    const z = this.pass.tensors[stage.op.inputs[0] ?? 0];
    const [tx, ty] = z?.tangents ?? [];
    if (!z || !tx || !ty) throw new Error('the forward pass has no tangents');
    if (stage.op.kind !== 'maxPool') {
      // The lines a x + b y + c = 0 of the units whose line crosses the piece; the others keep one side on it.
      const crossing: number[] = [];
      for (let n = 0; n < stage.op.size; n++) {
        const a = tx[n] ?? 0;
        const b = ty[n] ?? 0;
        const c = (z.value[n] ?? 0) - a * cx - b * cy;
        if (this.splitter.classify(piece, a, b, c) === kCrosses) crossing.push(a, b, c);
      }
      this.cutUnits(s, Float64Array.from(crossing), 0, piece);
      return;
    }
    const op = stage.op;
    const positions = windowPositions(op);
    const win = this.window;
    const cuts: PoolCut[] = [];
    for (let o = 0; o < op.size; o++) {
      poolWindow(op, o, win);
      const candidates: number[] = [];
      for (let p = 0; p < positions; p++) if ((win[p] ?? -1) >= 0) candidates.push(p);
      if (candidates.length < 2) continue;
      // The maximum at the centroid: the first largest, as the forward pass takes it.
      let top = 0;
      for (let k = 1; k < candidates.length; k++) {
        if ((z.value[win[candidates[k] ?? 0] ?? 0] ?? 0) > (z.value[win[candidates[top] ?? 0] ?? 0] ?? 0)) top = k;
      }
      const cut: PoolCut = {
        positions: Int32Array.from(candidates),
        v: Float64Array.from(candidates, (p) => z.value[win[p] ?? 0] ?? 0),
        tx: Float64Array.from(candidates, (p) => tx[win[p] ?? 0] ?? 0),
        ty: Float64Array.from(candidates, (p) => ty[win[p] ?? 0] ?? 0),
        cx,
        cy,
      };
      if (!this.dominates(cut, top, piece)) cuts.push(cut);
    }
    this.cutWindows(s, cuts, 0, piece);
  }

  /**
   * Cuts `piece` by the crossing lines start, start+1, ... of stage s (`lines`: a, b, c each), depth-first: the
   * side above each line is cut by the rest first, then the side below.
   */
  private cutUnits(s: number, lines: Float64Array, start: number, piece: Float64Array): void {
    let current = piece;
    for (let i = start; 3 * i < lines.length; i++) {
      const side = this.splitter.classify(current, lines[3 * i] ?? 0, lines[3 * i + 1] ?? 0, lines[3 * i + 2] ?? 0);
      if (side !== kCrosses) continue;
      const [above, below] = this.splitter.split();
      this.cutUnits(s, lines, i + 1, above);
      current = below;
    }
    this.visit(s + 1, current);
  }

  /** Cuts `piece` into the cells of max-pool windows i, i+1, ... of stage s, depth-first. */
  private cutWindows(s: number, cuts: readonly PoolCut[], i: number, piece: Float64Array): void {
    const cut = cuts[i];
    if (!cut) {
      this.visit(s + 1, piece);
      return;
    }
    const cells: Float64Array[] = [];
    for (let k = 0; k < cut.positions.length; k++) {
      const cell = this.cell(cut, k, piece);
      if (cell && polygonArea(cell) > 0) cells.push(cell);
    }
    // Only rounding could lose every cell (a piece thinner than the tolerance): the piece then stays whole.
    if (cells.length === 0) cells.push(piece);
    for (const cell of cells) this.cutWindows(s, cuts, i + 1, cell);
  }

  /** Sets `line` to v_k - v_j = 0 in absolute coordinates (a x + b y + c). */
  private difference(cut: PoolCut, k: number, j: number): Line {
    const a = (cut.tx[k] ?? 0) - (cut.tx[j] ?? 0);
    const b = (cut.ty[k] ?? 0) - (cut.ty[j] ?? 0);
    this.line.a = a;
    this.line.b = b;
    this.line.c = (cut.v[k] ?? 0) - (cut.v[j] ?? 0) - a * cut.cx - b * cut.cy;
    return this.line;
  }

  /**
   * Whether candidate k wins against candidate j on a polygon where their difference is within the tolerance of zero
   * everywhere: by its value at the polygon's centroid, an exact tie to the first in the window (the forward pass's
   * first largest).
   */
  private winsThin(cut: PoolCut, k: number, j: number, polygon: Float64Array): boolean {
    const { a, b, c } = this.difference(cut, k, j);
    const [x, y] = polygonCentroid(polygon);
    const d = a * x + b * y + c;
    return d > 0 || (d === 0 && (cut.positions[k] ?? 0) < (cut.positions[j] ?? 0));
  }

  /** Whether candidate `top`, the maximum at the piece's centroid, is the maximum on the whole piece. */
  private dominates(cut: PoolCut, top: number, piece: Float64Array): boolean {
    for (let j = 0; j < cut.positions.length; j++) {
      if (j === top) continue;
      const { a, b, c } = this.difference(cut, top, j);
      const side = this.splitter.classify(piece, a, b, c);
      if (side === kAbove) continue;
      // Thin across the line: the pass at the centroid decided, and it chose `top`.
      if (side === kOnlyOn) continue;
      return false;
    }
    return true;
  }

  /** The part of `piece` where candidate k is the window's maximum (v_k - v_j >= 0 for every j), or null. */
  private cell(cut: PoolCut, k: number, piece: Float64Array): Float64Array | null {
    let cell = piece;
    for (let j = 0; j < cut.positions.length; j++) {
      if (j === k) continue;
      const { a, b, c } = this.difference(cut, k, j);
      const side = this.splitter.classify(cell, a, b, c);
      if (side === kCrosses) cell = this.splitter.split()[0];
      else if (side === kBelow) return null;
      else if (side === kOnlyOn && !this.winsThin(cut, k, j, cell)) return null;
    }
    return cell;
  }

  /** Records `polygon` as a region, with pointOracle's hash at its centroid. */
  private finish(polygon: Float64Array): void {
    const [px, py] = polygonCentroid(polygon);
    this.pass.runAt(px, py);
    let lo = 0;
    let hi = 0;
    const keys = this.keys;
    this.stages.forEach((stage, l) => {
      const { active, argmax } = this.pass.patterns[l] ?? { active: null, argmax: null };
      if (active) {
        for (let n = 0; n < active.length; n++) {
          if (!active[n]) continue;
          lo ^= keys[2 * (stage.unitBase + n)] ?? 0;
          hi ^= keys[2 * (stage.unitBase + n) + 1] ?? 0;
        }
      } else if (argmax && stage.op.kind === 'maxPool') {
        const positions = windowPositions(stage.op);
        for (let o = 0; o < argmax.length; o++) {
          // As pointOracle sets it (a window of padding only, argmax -1, included).
          const n = stage.unitBase + o * positions + (argmax[o] ?? 0);
          const [klo, khi] = n >= 0 && 2 * n < keys.length ? [keys[2 * n] ?? 0, keys[2 * n + 1] ?? 0] : neuronKey(n);
          lo ^= klo;
          hi ^= khi;
        }
      }
    });
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
