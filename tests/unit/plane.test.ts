import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeDigits } from '../../src/cli/mnistFiles.ts';
import { netFromSafetensors } from '../../src/model/files/netTensors.ts';
import { ForwardPass } from '../../src/model/forward.ts';
import { kNetLimits } from '../../src/model/limits.ts';
import { mnistImage } from '../../src/model/mnist.ts';
import { type Layer, makeLayer, type Net } from '../../src/model/net.ts';
import {
  formatPlaneSpec,
  type Plane,
  parsePlaneSpec,
  planePoint,
  planeThrough,
  randomPlane,
  resolvePlane,
  slicedNet,
} from '../../src/model/plane.ts';
import { Random } from '../../src/model/random.ts';
import { testSeed } from '../support/seed.ts';

const rng = new Random(testSeed('unit/plane.test.ts#1'));
const kFixtures = join(import.meta.dirname, '../fixtures/pytorch');
const kSafetensors = join(import.meta.dirname, '../../models/mnist-mlp-64x64x64.safetensors');

function randomLayer(inDim: number, outDim: number, biasScale = 0.3): Layer {
  const layer = makeLayer(inDim, outDim);
  for (let i = 0; i < layer.weight.length; i++) layer.weight[i] = Math.sqrt(2 / inDim) * rng.normal();
  for (let i = 0; i < outDim; i++) layer.bias[i] = biasScale * rng.normal();
  return layer;
}

/** A random He-initialized net of input dimension d with `outputs` output units. */
function randomNetOf(d: number, widths: number[], outputs: number): Net {
  const hidden: Layer[] = [];
  let inDim = d;
  for (const w of widths) {
    hidden.push(randomLayer(inDim, w));
    inDim = w;
  }
  return { inputDim: d, hidden, output: randomLayer(inDim, outputs) };
}

function randomVector(d: number, scale = 1): Float64Array {
  return Float64Array.from({ length: d }, () => scale * rng.normal());
}

/** max |x - y| / max(|y|, floor): the relative difference of two vectors on their own scale. */
function relativeError(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let scale = 1e-300;
  for (let i = 0; i < y.length; i++) scale = Math.max(scale, Math.abs(y[i] ?? 0));
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs((x[i] ?? 0) - (y[i] ?? 0)) / scale);
  return worst;
}

/**
 * The size of the sums behind a layer's values: max over its neurons of |b_n| + sum_k |W_nk h_k|. Rounding errors
 * are relative to it (a value that cancels to near zero carries the error of its terms).
 */
function termScale(layer: Layer, h: ArrayLike<number>): number {
  let scale = 1e-300;
  for (let n = 0; n < layer.outDim; n++) {
    let sum = Math.abs(layer.bias[n] ?? 0);
    for (let k = 0; k < layer.inDim; k++) sum += Math.abs((layer.weight[n * layer.inDim + k] ?? 0) * (h[k] ?? 0));
    scale = Math.max(scale, sum);
  }
  return scale;
}

/** max |x - y| / scale. */
function errorOver(x: ArrayLike<number>, y: ArrayLike<number>, scale: number): number {
  let worst = 0;
  for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs((x[i] ?? 0) - (y[i] ?? 0)) / scale);
  return worst;
}

/**
 * The folded net at (u, v) against the d-dimensional net at o + u a + v b: pre-activations and outputs, relative to
 * the size of their sums; patterns.
 */
function compareFold(net: Net, plane: Plane, points: number): { worst: number; patternMismatches: number } {
  const folded = slicedNet(net, plane);
  expect(folded.inputDim).toBe(2);
  const flat = new ForwardPass(folded, 0);
  const full = new ForwardPass(net, 0);
  let worst = 0;
  let patternMismatches = 0;
  for (let p = 0; p < points; p++) {
    const [u, v] = [3 * rng.normal(), 3 * rng.normal()];
    flat.run([u, v]);
    full.run(planePoint(plane, u, v));
    const x = planePoint(plane, u, v);
    full.layers.forEach((layer, l) => {
      const other = flat.layers[l];
      if (!other) throw new Error('layers differ');
      const input = l === 0 ? x : (full.layers[l - 1]?.h.value ?? []);
      const error = errorOver(other.z.value, layer.z.value, termScale(net.hidden[l] as Layer, input));
      worst = Math.max(worst, error);
      const scale = Math.max(...Array.from(layer.z.value, Math.abs));
      for (let n = 0; n < layer.active.length; n++) {
        // A neuron this close to zero may fall either way in two float64 evaluations: counted, bounded below.
        if (layer.active[n] !== other.active[n] && Math.abs(layer.z.value[n] ?? 0) > 1e-10 * scale) {
          patternMismatches++;
        }
      }
    });
    const last = full.layers.at(-1)?.h.value ?? [];
    const outputScale = net.output ? termScale(net.output, last) : 1;
    worst = Math.max(worst, errorOver(flat.output.value, full.output.value, outputScale));
  }
  return { worst, patternMismatches };
}

describe('2-D slices of d-dimensional nets', () => {
  it('the folded net equals the d-dimensional net at o + u a + v b to 1e-12 (random nets and planes)', () => {
    let maxWorst = 0;
    for (let trial = 0; trial < 12; trial++) {
      const d = trial === 0 ? 784 : 3 + Math.floor(rng.uniform() * 60);
      const widths = Array.from(
        { length: 1 + Math.floor(rng.uniform() * 3) },
        () => 4 + Math.floor(rng.uniform() * 40),
      );
      const net = randomNetOf(d, widths, 1 + Math.floor(rng.uniform() * 10));
      const seed = rng.nextU32();
      const planes: Plane[] = [
        randomPlane(randomVector(d), seed, null),
        planeThrough([randomVector(d), randomVector(d), randomVector(d)], ['p1', 'p2', 'p3'], []),
      ];
      for (const plane of planes) {
        const { worst, patternMismatches } = compareFold(net, plane, 40);
        expect(worst, `d=${d} widths ${widths}`).toBeLessThan(1e-12);
        maxWorst = Math.max(maxWorst, worst);
        expect(patternMismatches).toBe(0);
      }
    }
    // Measured about 1e-15: the bound has room, and a fold off by one part in 1e12 fails.
    expect(maxWorst).toBeGreaterThan(0);
    console.log(`[fold] worst relative error ${maxWorst.toExponential(2)}`);
  });

  it('the plane through three points: o = p1, (a, b) orthonormal, the marks are the points', () => {
    for (let trial = 0; trial < 20; trial++) {
      const d = 2 + Math.floor(rng.uniform() * 100);
      const points = [randomVector(d), randomVector(d, 5), randomVector(d, 0.1)];
      const plane = planeThrough(points, ['p1', 'p2', 'p3'], []);
      const dot = (x: Float64Array, y: Float64Array) => x.reduce((s, xi, i) => s + xi * (y[i] ?? 0), 0);
      expect(Array.from(plane.o)).toEqual(Array.from(points[0] ?? []));
      expect(Math.abs(dot(plane.a, plane.a) - 1)).toBeLessThan(1e-14);
      expect(Math.abs(dot(plane.b, plane.b) - 1)).toBeLessThan(1e-14);
      expect(Math.abs(dot(plane.a, plane.b))).toBeLessThan(1e-14);
      // a is along p2 - p1, with the same orientation.
      const d12 = (points[1] ?? new Float64Array()).map((x, i) => x - (points[0]?.[i] ?? 0));
      expect(dot(d12, plane.a)).toBeCloseTo(Math.sqrt(dot(d12, d12)), 10);
      plane.marks.forEach((mark, i) => {
        expect(relativeError(planePoint(plane, mark.u, mark.v), points[i] ?? [])).toBeLessThan(1e-12);
      });
      // Distances in (u, v) are Euclidean distances in input space.
      const [m1, m2] = [plane.marks[1], plane.marks[2]];
      if (!m1 || !m2) throw new Error('marks');
      const d23 = (points[2] ?? new Float64Array()).map((x, i) => x - (points[1]?.[i] ?? 0));
      expect(Math.hypot(m2.u - m1.u, m2.v - m1.v)).toBeCloseTo(Math.sqrt(dot(d23, d23)), 9);
    }
  });

  it('degenerate planes and bad specs get messages', () => {
    const p = randomVector(10);
    expect(() => planeThrough([p, p, randomVector(10)], ['p1', 'p2', 'p3'], [])).toThrow(/the same point/);
    const q = p.map((x) => 2 * x);
    expect(() => planeThrough([p, q, p.map((x) => 3 * x)], ['p1', 'p2', 'p3'], [])).toThrow(/one line/);
    for (const bad of [
      'mnist:1/2,3/4',
      'mnist:1/2,3/4,x',
      'mnist:10/1,1/1,1/1',
      'random:',
      'random:1:5',
      'o:1,2;a:1',
      'o:1,2;a:1,0;b:0',
      'o:1,x;a:1,0;b:0,1',
      'foo',
    ]) {
      expect(typeof parsePlaneSpec(bad), bad).toBe('string');
    }
    for (const good of ['', 'mnist:0/800,1/800,2/800', 'random:7', 'random:7:3/12', 'o:1,2;a:1,0;b:0,1']) {
      const spec = parsePlaneSpec(good);
      if (typeof spec === 'string') throw new Error(spec);
      expect(formatPlaneSpec(spec)).toBe(good);
    }
    const spec = parsePlaneSpec('mnist:0/800,1/800,2/800');
    if (typeof spec === 'string') throw new Error(spec);
    expect(() => resolvePlane(spec, 10, nodeDigits)).toThrow(/784 pixels but the net has 10 inputs/);
    expect(() => resolvePlane({ kind: 'identity' }, 784, nodeDigits)).toThrow(/choose a plane/);
    const late = parsePlaneSpec('mnist:0/800,1/800,2/99999');
    if (typeof late === 'string') throw new Error(late);
    expect(() => resolvePlane(late, 784, nodeDigits)).toThrow(/digit 2 has samples 0\.\./);
    const flat = parsePlaneSpec('o:1,2;a:1,0;b:2,0');
    if (typeof flat === 'string') throw new Error(flat);
    expect(() => resolvePlane(flat, 2, nodeDigits)).toThrow(/not linearly independent/);
  });

  it('the fixture MNIST model through three test images: the marks give PyTorch float64 logits', () => {
    const net = netFromSafetensors(readFileSync(kSafetensors));
    const reference = JSON.parse(readFileSync(join(kFixtures, 'mnist-mlp-64x64x64.reference.json'), 'utf8')) as {
      references: { digit: number; index: number; logits_f64: number[]; predicted: number }[];
    };
    const picks = [0, 17, 33].map((i) => reference.references[i]).filter((r) => r !== undefined);
    const spec = parsePlaneSpec(`mnist:${picks.map((r) => `${r.digit}/${r.index}`).join(',')}`);
    if (typeof spec === 'string') throw new Error(spec);
    const plane = resolvePlane(spec, 784, nodeDigits);
    if (!plane) throw new Error('identity');
    const folded = new ForwardPass(slicedNet(net, plane), 0);
    plane.marks.forEach((mark, i) => {
      const pick = picks[i];
      if (!pick) throw new Error('pick');
      expect(Array.from(planePoint(plane, 0, 0))).toEqual(Array.from(mnistImage(nodeDigits, picks[0] ?? pick)));
      folded.run([mark.u, mark.v]);
      expect(relativeError(folded.output.value, pick.logits_f64)).toBeLessThan(1e-12);
      const outputs = Array.from(folded.output.value);
      expect(outputs.indexOf(Math.max(...outputs))).toBe(pick.predicted);
    });
  });
});

describe('explicit planes of wide nets', () => {
  const zeros = (n: number): string => `${'0,'.repeat(n - 1)}0`;

  it('hold as many numbers as a net may have inputs (3 x 2^16 were refused as a NaN)', () => {
    const d = 3 * 2 ** 16 + 1;
    const spec = parsePlaneSpec(`o:${zeros(d)};a:1,${zeros(d - 1)};b:0,1,${zeros(d - 2)}`);
    if (typeof spec === 'string') throw new Error(spec);
    expect(spec.kind === 'explicit' && [spec.o.length, spec.a[0], spec.b[1]]).toEqual([d, 1, 1]);
  });

  it('one number more than the widest net is refused with the cap named, before the text is split', () => {
    const max = kNetLimits.maxInputDim;
    expect(parsePlaneSpec(`o:0,0;a:${zeros(max + 1)};b:0,1`)).toBe(
      `plane: a has over ${max} numbers; nets have at most ${max} inputs`,
    );
  });
});

describe('a fold beyond float64', () => {
  it('is refused where the net is folded, for every command and the app alike', () => {
    const first: Layer = {
      inDim: 3,
      outDim: 2,
      weight: Float64Array.of(1, -1, 0, 1, 1, 1),
      bias: Float64Array.of(0, 0),
    };
    const net: Net = { inputDim: 3, hidden: [first], output: randomLayer(2, 1) };
    const unitVector = (i: number) => Float64Array.from({ length: 3 }, (_, j) => (i === j ? 1 : 0));
    const plane: Plane = {
      o: new Float64Array(3).fill(1e308),
      a: unitVector(0),
      b: unitVector(1),
      marks: [],
      mnist: false,
    };
    expect(() => slicedNet(net, plane)).toThrow(
      /^the net's first layer folded with the plane overflows float64 at neuron 1: W1 \[a b\] = \[1, 1\], W1 o \+ b1 = Inf/,
    );
    expect(
      slicedNet(net, { ...plane, o: new Float64Array(3).fill(1e300) }).hidden[0]?.bias.every(Number.isFinite),
    ).toBe(true);
  });
});
