/**
 * Seeded random nets. The same (widths, sigma_b, seed) gives bit-identical weights in the app, the CLI and the
 * tests: weights are generated here once, in float64, and uploaded.
 */

import { kInputDim } from './files/netFile.ts';
import { type Layer, makeLayer, type Net } from './net.ts';

/** sfc32, seeded through splitmix32: small, fast, and the same on every JavaScript engine. */
export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;
  private spare: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in (0, 1), 53 bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5;
    const lo = this.nextU32() >>> 6;
    return (hi * 67108864 + lo + 0.5) / 9007199254740992;
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const value = this.spare;
      this.spare = null;
      return value;
    }
    const r = Math.sqrt(-2 * Math.log(this.uniform()));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }
}

export interface RandomNetSpec {
  /** Hidden layer widths, from the layer next to the input to the last. */
  readonly widths: readonly number[];
  /** Standard deviation of the biases. */
  readonly sigmaB: number;
  readonly seed: number;
  /** Units of the linear output layer (default 1): a classifier's logits for the decision mode. */
  readonly outputs?: number;
  /** Inputs (default 2, the plane; 784 for MNIST). */
  readonly inputDim?: number;
}

function randomLayer(rng: Random, inDim: number, outDim: number, weightVar: number, sigmaB: number): Layer {
  const layer = makeLayer(inDim, outDim);
  const sigmaW = Math.sqrt(weightVar);
  for (let i = 0; i < layer.weight.length; i++) layer.weight[i] = sigmaW * rng.normal();
  for (let i = 0; i < outDim; i++) layer.bias[i] = sigmaB * rng.normal();
  return layer;
}

/**
 * He initialization, as in both papers: hidden weights ~ N(0, 2/fan-in), biases ~ N(0, sigma_b^2).
 * The linear output (one unit, or spec.outputs) has weights ~ N(0, 1/fan-in) and biases ~ N(0, sigma_b^2); drawn
 * last, so the hidden layers do not depend on the number of outputs, and one output gives the nets of before.
 */
export function randomNet(spec: RandomNetSpec): Net {
  const rng = new Random(spec.seed);
  const hidden: Layer[] = [];
  const inputDim = spec.inputDim ?? kInputDim;
  let inDim = inputDim;
  for (const width of spec.widths) {
    hidden.push(randomLayer(rng, inDim, width, 2 / inDim, spec.sigmaB));
    inDim = width;
  }
  const output = randomLayer(rng, inDim, Math.max(1, Math.floor(spec.outputs ?? 1)), 1 / inDim, spec.sigmaB);
  return { inputDim, hidden, output };
}
