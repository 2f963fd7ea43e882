/**
 * The study's probes of a net at initialization in a fixed square window: random lines across it, uniform points
 * in it, and the window itself (its regions counted exactly). The measures are measures.ts's.
 */

import { Random } from '../model/random.ts';
import { uniformPoints } from './distance.ts';
import type { Probes } from './measures.ts';
import type { Rect } from './polygons.ts';

export interface StudyOptions {
  /** Side of the square window centred at the origin. */
  readonly window: number;
  readonly lines: number;
  readonly samples: number;
  readonly seed: number;
}

/** The chord of the square [-h, h]^2 cut by a random line (isotropic direction, uniform offset); null if none. */
function randomChord(rng: Random, h: number): [[number, number], [number, number]] | null {
  const theta = Math.PI * rng.uniform();
  const offset = (2 * rng.uniform() - 1) * h * Math.SQRT2;
  const [nx, ny] = [Math.cos(theta), Math.sin(theta)];
  const [dx, dy] = [-ny, nx];
  // Points offset * n + s * d; clip s to the square (Liang-Barsky on both axes).
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  for (const [p, d] of [
    [offset * nx, dx],
    [offset * ny, dy],
  ] as const) {
    if (Math.abs(d) < 1e-15) {
      if (Math.abs(p) > h) return null;
      continue;
    }
    const a = (-h - p) / d;
    const b = (h - p) / d;
    lo = Math.max(lo, Math.min(a, b));
    hi = Math.min(hi, Math.max(a, b));
  }
  if (!(hi > lo)) return null;
  return [
    [offset * nx + lo * dx, offset * ny + lo * dy],
    [offset * nx + hi * dx, offset * ny + hi * dy],
  ];
}

/** `lines` random chords of the window (isotropic, uniform offset), `samples` uniform points, the window; seeded. */
export function studyProbes(options: StudyOptions): Probes {
  const h = options.window / 2;
  const view: Rect = { x0: -h, y0: -h, x1: h, y1: h };
  const rng = new Random(options.seed);
  const lines: [Float64Array, Float64Array][] = [];
  while (lines.length < options.lines) {
    const chord = randomChord(rng, h);
    if (chord) lines.push([Float64Array.from(chord[0]), Float64Array.from(chord[1])]);
  }
  return { lines, view, points: uniformPoints(view, options.samples, options.seed) };
}
