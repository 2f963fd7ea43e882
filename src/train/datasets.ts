/**
 * Data sets to train on: 2-D synthetic sets (seeded, with noise and a train/test split) and MNIST (the `mnist`
 * package, the bundled model's split: per digit samples 0..799 train, 800..end test). Points are row-major in one
 * Float64Array (count x inputDim), labels in an Int32Array.
 */
import { type DigitData, kMnistPixels, kMnistTrainPerDigit, NeedsDigits, sampleCount } from '../model/mnist.ts';
import { Random } from '../model/random.ts';

export const kDatasets = ['spirals', 'circles', 'moons', 'xor', 'blobs', 'mnist'] as const;
export type DatasetName = (typeof kDatasets)[number];

export interface Split {
  /** count x inputDim, row-major. */
  readonly x: Float64Array;
  readonly y: Int32Array;
  readonly count: number;
}

export interface Dataset {
  readonly name: DatasetName;
  readonly inputDim: number;
  readonly classes: number;
  readonly train: Split;
  readonly test: Split;
}

export interface DatasetSpec {
  readonly name: DatasetName;
  readonly seed: number;
  /** Standard deviation of the Gaussian noise added to the 2-D points (the sets' own scale is about 1). */
  readonly noise: number;
  /** Points of a synthetic set, train and test together. */
  readonly samples: number;
  /** Share of a synthetic set held out for testing. */
  readonly testFraction: number;
}

/** One 2-D point of class `label` (before noise), drawn with `rng`. */
type Generator = (rng: Random, label: number, t: number) => [number, number];

const kGenerators: Record<Exclude<DatasetName, 'mnist'>, { classes: number; point: Generator }> = {
  // Two interleaved spirals, each 1.75 turns, radius 0.1..1.
  spirals: {
    classes: 2,
    point: (_rng, label, t) => {
      const r = 0.1 + 0.9 * t;
      const angle = 1.75 * 2 * Math.PI * t + label * Math.PI;
      return [r * Math.cos(angle), r * Math.sin(angle)];
    },
  },
  // Two concentric circles, radius 1 and 0.5.
  circles: {
    classes: 2,
    point: (_rng, label, t) => {
      const r = label === 0 ? 1 : 0.5;
      return [r * Math.cos(2 * Math.PI * t), r * Math.sin(2 * Math.PI * t)];
    },
  },
  // Two interleaving half circles (scikit-learn's make_moons), centred on the origin.
  moons: {
    classes: 2,
    point: (_rng, label, t) => {
      const angle = Math.PI * t;
      return label === 0
        ? [Math.cos(angle) - 0.5, Math.sin(angle) - 0.25]
        : [0.5 - Math.cos(angle), 0.25 - Math.sin(angle)];
    },
  },
  // XOR: the class is the sign of x * y, points uniform in [-1, 1]^2.
  xor: {
    classes: 2,
    point: (rng, label) => {
      for (;;) {
        const [x, y] = [2 * rng.uniform() - 1, 2 * rng.uniform() - 1];
        if ((x * y > 0 ? 0 : 1) === label && Math.abs(x) > 0.02 && Math.abs(y) > 0.02) return [x, y];
      }
    },
  },
  // Three Gaussian blobs (sd 0.25) at the corners of a triangle of radius 0.7.
  blobs: {
    classes: 3,
    point: (rng, label) => {
      const angle = (2 * Math.PI * label) / 3 + Math.PI / 2;
      return [0.7 * Math.cos(angle) + 0.25 * rng.normal(), 0.7 * Math.sin(angle) + 0.25 * rng.normal()];
    },
  },
};

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, rng: Random): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
  }
  return order;
}

function splitOf(x: Float64Array, y: Int32Array, dim: number, indices: ArrayLike<number>): Split {
  const count = indices.length;
  const out = new Float64Array(count * dim);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = indices[i] ?? 0;
    out.set(x.subarray(k * dim, (k + 1) * dim), i * dim);
    labels[i] = y[k] ?? 0;
  }
  return { x: out, y: labels, count };
}

function synthetic(spec: DatasetSpec, name: Exclude<DatasetName, 'mnist'>): Dataset {
  const { classes, point } = kGenerators[name];
  const rng = new Random(spec.seed);
  const n = spec.samples;
  const x = new Float64Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % classes;
    const [px, py] = point(rng, label, rng.uniform());
    x[2 * i] = px + spec.noise * rng.normal();
    x[2 * i + 1] = py + spec.noise * rng.normal();
    y[i] = label;
  }
  const order = permutation(n, rng);
  const tests = Math.round(spec.testFraction * n);
  return {
    name,
    inputDim: 2,
    classes,
    train: splitOf(x, y, 2, order.subarray(tests)),
    test: splitOf(x, y, 2, order.subarray(0, tests)),
  };
}

function mnist(digits: DigitData): Dataset {
  const missing = [...Array(10).keys()].filter((d) => digits(d) === undefined);
  if (missing.length > 0) throw new NeedsDigits(missing);
  const parts = { train: [] as [number, number][], test: [] as [number, number][] };
  for (let d = 0; d < 10; d++) {
    const count = sampleCount(digits(d) ?? []);
    for (let i = 0; i < count; i++) (i < kMnistTrainPerDigit ? parts.train : parts.test).push([d, i]);
  }
  const build = (refs: [number, number][]): Split => {
    const x = new Float64Array(refs.length * kMnistPixels);
    const y = new Int32Array(refs.length);
    refs.forEach(([d, i], k) => {
      const data = digits(d) ?? [];
      for (let p = 0; p < kMnistPixels; p++) x[k * kMnistPixels + p] = data[i * kMnistPixels + p] ?? 0;
      y[k] = d;
    });
    return { x, y, count: refs.length };
  };
  return { name: 'mnist', inputDim: kMnistPixels, classes: 10, train: build(parts.train), test: build(parts.test) };
}

/** Why a data set spec cannot be made, or null. */
export function datasetProblem(spec: DatasetSpec): string | null {
  if (!(kDatasets as readonly string[]).includes(spec.name)) {
    return `unknown data set "${String(spec.name).slice(0, 30)}" (${kDatasets.join(', ')})`;
  }
  if (spec.name === 'mnist') return null;
  if (!Number.isInteger(spec.samples) || spec.samples < 10 || spec.samples > 1_000_000) {
    return `a synthetic set has 10 to 1000000 samples, not ${spec.samples}`;
  }
  if (!(spec.noise >= 0 && spec.noise <= 10)) return `the noise must be in [0, 10], not ${spec.noise}`;
  if (!(spec.testFraction >= 0 && spec.testFraction < 1)) {
    return `the test fraction must be in [0, 1), not ${spec.testFraction}`;
  }
  return null;
}

/** The data set a spec names; MNIST needs the digits (Node: src/cli/mnistFiles.ts). Throws with a message. */
export function makeDataset(spec: DatasetSpec, digits: DigitData): Dataset {
  const problem = datasetProblem(spec);
  if (problem) throw new Error(problem);
  return spec.name === 'mnist' ? mnist(digits) : synthetic(spec, spec.name);
}
