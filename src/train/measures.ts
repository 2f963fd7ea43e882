/**
 * What training measures at every checkpoint (the measures themselves are src/analysis/measures.ts): the probes of
 * a data set, the same at every checkpoint so that checkpoints compare, and what of them a wide net is measured on.
 * 2-D sets: 8 seeded chords of the circle of radius 1.5, the view [-1.5, 1.5]^2, test points; MNIST: segments
 * between pairs of test images (in input space), test images.
 */
import type { Probes } from '../analysis/measures.ts';
import type { Rect } from '../analysis/polygons.ts';
import { type Net, neuronCount } from '../model/net.ts';
import { Random } from '../model/random.ts';
import { type Dataset, permutation } from './datasets.ts';

export type { Probes };

/** The 2-D view of the synthetic sets: they lie in about [-1.2, 1.2]^2. */
export const kTrainingView: Rect = { x0: -1.5, y0: -1.5, x1: 1.5, y1: 1.5 };
/** Nets above this many neurons get no exact view count at checkpoints (it grows as neurons^2). */
const kMaxViewNeurons = 512;
/** Nets above this many neurons are measured on two of the lines and at 100 of the points. */
const kManyNeurons = 1024;
/** Test points where distances are measured (each costs a forward pass with a tangent per input direction). */
const kDistancePoints = { planar: 400, wide: 100 } as const;

/** Lines and points of a data set, seeded: 2-D: 8 random chords of the view's circle; else 10 test-image pairs. */
export function defaultProbes(data: Dataset, seed: number): Probes {
  const rng = new Random(seed);
  const d = data.inputDim;
  const order = permutation(data.test.count, rng);
  const point = (i: number) => data.test.x.slice(i * d, (i + 1) * d);
  let lines: [Float64Array, Float64Array][];
  if (d === 2) {
    lines = Array.from({ length: 8 }, () => {
      const [a, b] = [2 * Math.PI * rng.uniform(), 2 * Math.PI * rng.uniform()];
      return [
        Float64Array.of(1.5 * Math.cos(a), 1.5 * Math.sin(a)),
        Float64Array.of(1.5 * Math.cos(b), 1.5 * Math.sin(b)),
      ];
    });
  } else {
    lines = Array.from({ length: Math.min(10, Math.floor(data.test.count / 2)) }, (_, i) => [
      point(order[2 * i] ?? 0),
      point(order[2 * i + 1] ?? 0),
    ]);
  }
  const count = Math.min(data.test.count, d === 2 ? kDistancePoints.planar : kDistancePoints.wide);
  const points = new Float64Array(count * d);
  for (let i = 0; i < count; i++) points.set(point(order[i] ?? 0), i * d);
  return { lines, view: d === 2 ? kTrainingView : null, points };
}

/**
 * The probes a net is measured on: all of them, but a walk costs about a forward pass per region crossed and regions
 * grow with the neurons, so past kManyNeurons the first two lines and 100 points only (a checkpoint of a 4 x 1024 net
 * takes seconds, not half a minute), and past kMaxViewNeurons no exact view count.
 */
export function probesFor(net: Net, probes: Probes): Probes {
  const neurons = neuronCount(net);
  const many = neurons > kManyNeurons;
  const d = net.inputDim;
  return {
    lines: many ? probes.lines.slice(0, 2) : probes.lines,
    view: neurons <= kMaxViewNeurons ? probes.view : null,
    points: many ? probes.points.subarray(0, kDistancePoints.wide * d) : probes.points,
  };
}
