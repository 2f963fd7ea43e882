/**
 * The papers' measurements of one net at initialization, in a fixed square window: boundary crossings along random
 * lines, the mean distance to the boundary, and the exact regions of the window, each normalized as the theory
 * predicts (per neuron; regions by #neurons^2 / 2).
 */
import { type Net, neuronCount } from '../model/net.ts';
import { Random } from '../model/random.ts';
import { sampleDistances } from './distance.ts';
import { enumerateRegions, type Rect } from './polygons.ts';
import { walkSegment } from './segment.ts';

export interface StudyMeasures {
  readonly neurons: number;
  /** Breakpoints per unit length along random lines, per neuron (regions per unit length, less the one to start). */
  readonly crossingsPerLengthPerNeuron: number;
  readonly meanDistanceTimesNeurons: number;
  /** Exact regions in the window. */
  readonly regions: number;
  /** regions / (#neurons^2 / 2) */
  readonly regionsPerHalfNeuronsSquared: number;
  /** Boundary length / window area / neurons (exact polygons). */
  readonly boundaryDensityPerNeuron: number;
  /** (pi / 2) * crossings per unit length / neurons: Crofton's estimate of the same density from the lines. */
  readonly croftonDensityPerNeuron: number;
}

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

export function measureNet(net: Net, options: StudyOptions): StudyMeasures {
  const neurons = neuronCount(net);
  const h = options.window / 2;
  const rect: Rect = { x0: -h, y0: -h, x1: h, y1: h };
  const rng = new Random(options.seed);
  let crossings = 0;
  let length = 0;
  for (let made = 0; made < options.lines; ) {
    const chord = randomChord(rng, h);
    if (!chord) continue;
    const walk = walkSegment(net, chord[0], chord[1]);
    crossings += walk.breakpoints.length;
    length += walk.length;
    made++;
  }
  const crossingsPerLengthPerNeuron = crossings / length / neurons;
  const distances = sampleDistances(net, rect, options.samples, options.seed);
  const exact = enumerateRegions(net, rect);
  return {
    neurons,
    crossingsPerLengthPerNeuron,
    meanDistanceTimesNeurons: distances.meanTimesNeurons,
    regions: exact.regions,
    regionsPerHalfNeuronsSquared: exact.regions / ((neurons * neurons) / 2),
    boundaryDensityPerNeuron: exact.boundaryDensityPerNeuron,
    croftonDensityPerNeuron: (Math.PI / 2) * crossingsPerLengthPerNeuron,
  };
}
