/**
 * What the grids of a computation cost, and which to compute (fieldsJob.ts). Both follow from one number measured on
 * the grids done: λ, the length of region boundaries per unit area (in 1/pixel).
 *
 * Boundaries are piecewise-linear; taken as isotropic lines, they cross a segment of length d with probability
 * 1 - e^(-2 λ d / π). A grid of stride s in a 32 x 32 tile (n = 32/s points a side) then meets about
 * n^2 - 2 n (n - 1) e^(-x) + (n - 1)^2 e^(-2x) regions, x = 2 λ s / π (Euler: the grid's points, less its uncut
 * edges, plus its uncut squares, count the pieces the boundaries cut it into); at stride 1, the regions a tile holds.
 * A region-seeded grid evaluates the net once per region its new pixels meet: those the grid meets, less those only the
 * coarser grid's points meet (regions smaller than the new grid's cells). λ is read back from a region-seeded grid's
 * evaluations (the same formula, inverted), or from a brute-force grid's share p of pixels in another region than
 * their block's corner (at a mean distance of 1.14 stride). Checked against the float64 oracle's patterns
 * (tests/unit/gridPlan.test.ts): a stride-8 grid predicts the next grid's evaluations within 25%, the full
 * resolution's within about 30% where regions are larger than its cells, and low by up to 2x where they are smaller.
 *
 * Where regions are larger than a grid's cells, the grids between it and the full resolution would each cost about as
 * much as the full resolution itself and show little more: the full resolution is computed next.
 */
import { kTileSide } from './layout.ts';

/** The final grid is computed next when it costs at most this many times the next grid. */
const kJumpRatio = 2;

/** Regions a tile's grid of stride `s` meets, for boundaries of length λ per unit area (pixels). */
export function gridRegions(lambda: number, s: number): number {
  const n = kTileSide / s;
  if (n <= 1) return 1;
  if (!Number.isFinite(lambda)) return n * n;
  const x = (2 * lambda * s) / Math.PI;
  return n * n - 2 * n * (n - 1) * Math.exp(-x) + (n - 1) * (n - 1) * Math.exp(-2 * x);
}

/**
 * Evaluations a tile of a region-seeded grid of stride `s` after the grid of stride `coarser` (0: none): the regions
 * its new pixels meet.
 */
export function gridEvaluations(lambda: number, s: number, coarser: number): number {
  // A tile holds one pixel of the grid or none: an evaluation a new pixel, whatever the regions (the stride-128 grid
  // after the stride-256 one at 1280 x 800: 47 evaluations over 1000 tiles, not one a tile).
  if (s >= kTileSide) return (kTileSide / s) ** 2 - (coarser ? (kTileSide / coarser) ** 2 : 0);
  const met = gridRegions(lambda, s);
  if (!coarser || kTileSide / coarser < 1) return met;
  // Regions only the coarser grid meets: those whose area is small against the new grid's cells.
  const area = (kTileSide * kTileSide) / gridRegions(lambda, 1);
  return Math.max(1, met - Math.exp(-area / (s * s)) * gridRegions(lambda, coarser));
}

/** λ from a region-seeded grid of stride `s` after `coarser` that did `evaluations` a tile (the formula inverted). */
export function lambdaFromEvaluations(evaluations: number, s: number, coarser: number): number {
  const most = gridEvaluations(Number.POSITIVE_INFINITY, s, coarser);
  if (evaluations >= most * (1 - 1e-6)) return Number.POSITIVE_INFINITY;
  // gridEvaluations grows with λ: bisect on log λ.
  let low = Math.log(1e-9);
  let high = Math.log(1e3);
  for (let i = 0; i < 80; i++) {
    const mid = 0.5 * (low + high);
    if (gridEvaluations(Math.exp(mid), s, coarser) < evaluations) low = mid;
    else high = mid;
  }
  return Math.exp(0.5 * (low + high));
}

/**
 * λ from a brute-force grid of `stride` after one of twice its stride: `share` of its pixels are in another region than
 * their block's corner (at distances stride, stride and stride √2; mean 1.14 stride).
 */
export function lambdaFromShare(share: number, stride: number): number {
  if (!(share < 1)) return Number.POSITIVE_INFINITY;
  return Math.max(0, (Math.PI * -Math.log1p(-share)) / (2 * 1.138 * stride));
}

/** What a plan needs to know of a computation. */
export interface GridCosts {
  /** Strides from the coarsest to 1. */
  readonly strides: readonly number[];
  /** Pixels of the whole computation, and the tiles holding them (the region-seeded pass's list). */
  readonly pixelsTotal: number;
  readonly tiles: number;
  readonly msPerFastEval: number;
  readonly msPerBruteEval: number;
  /** Whether the grid of a stride is the region-seeded pass's. */
  fastAt(stride: number): boolean;
  /** A small net (fieldsJob.ts): the full resolution comes right after the first grid. */
  readonly smallNet: boolean;
}

/** A grid to compute: its level (index into the strides) and the time it should take. */
export interface PlannedGrid {
  readonly level: number;
  readonly ms: number;
}

/** New pixels of the grid of stride `s` after the grid of stride `coarser` (0: none) was done. */
function newPixels(c: GridCosts, s: number, coarser: number): number {
  return c.pixelsTotal * (1 / (s * s) - (coarser ? 1 / (coarser * coarser) : 0));
}

/** The time the grid of `level` takes after the grid of stride `coarser`, for boundaries of density λ. */
export function gridMs(c: GridCosts, level: number, coarser: number, lambda: number): number {
  const s = c.strides[level] ?? 1;
  if (!c.fastAt(s)) return Math.max(0, newPixels(c, s, coarser)) * c.msPerBruteEval;
  return Math.max(1, c.tiles) * gridEvaluations(lambda, s, coarser) * c.msPerFastEval;
}

/**
 * The level to compute after the grid of `level` (done): `next` (by default the next one), or the last when it is the
 * region-seeded pass's and costs at most kJumpRatio times `next` (regions larger than its cells), or for a small
 * net: a tile's work in that pass, most of what it costs, does not shrink with the grid, so the grids between the
 * first and the full resolution cost about what the full resolution does (on SwiftShader, the stride-16 and stride-8
 * grids of the default 3 x 32 view at 1280 x 800 took 4.2 s of CPU time, the full resolution in one go 3.1 s), while a
 * grid half done already shows its tiles done exactly. Without λ: `next`.
 */
export function nextLevel(c: GridCosts, level: number, lambda: number | null, next = level + 1): number {
  const last = c.strides.length - 1;
  if (next >= last || !c.fastAt(c.strides[last] ?? 1)) return next;
  if (c.smallNet) return last;
  if (lambda === null) return next;
  const done = c.strides[level] ?? 1;
  const direct = gridMs(c, last, done, lambda);
  return direct <= kJumpRatio * gridMs(c, next, done, lambda) ? last : next;
}

/** The grids that follow the grid of `level` to the full resolution, for boundaries of density λ, and their times. */
export function plannedGrids(c: GridCosts, level: number, lambda: number): PlannedGrid[] {
  const grids: PlannedGrid[] = [];
  for (let done = level; done < c.strides.length - 1; ) {
    const next = nextLevel(c, done, lambda);
    grids.push({ level: next, ms: gridMs(c, next, c.strides[done] ?? 1, lambda) });
    done = next;
  }
  return grids;
}
