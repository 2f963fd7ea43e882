/**
 * Balancing a net: ReLU is positively homogeneous, so scaling a hidden neuron's incoming weights and bias by c > 0
 * scales its pre-activation by c and leaves its sign, its line and its gradient-normalized distance |z| / ||grad z||
 * unchanged; dividing the next layer's weights on that neuron by c restores everything downstream. With c a power
 * of two chosen per neuron, so that every neuron's largest incoming number is about 1, the balanced net has exactly
 * the partition and distances of the original (scaling by powers of two is exact in floating point), and numbers
 * that float32 and even float64 can carry through any depth: a net with weights of 1e300 or 1e-300 draws and
 * counts as well as one with weights of 1. The output layer is scaled as a whole by one power of two (argmax and the
 * output's zero set are unchanged); `outputExponent` undoes it. A net without an output layer gets an explicit
 * one, the sum of its last layer (what outputUnit shows for it).
 */
import { type Layer, type Net, outputUnit } from './net.ts';

export interface BalancedNet {
  /** Same partition and distances; every hidden neuron's pre-activation is 2^neuronExponents[n] times the original. */
  readonly net: Net;
  /** Per hidden neuron, numbered layer by layer from 0. */
  readonly neuronExponents: Int32Array;
  /** Every output of `net` is 2^outputExponent times the original's. */
  readonly outputExponent: number;
}

/** floor(log2 |x|) for x != 0. */
function exponentOf(x: number): number {
  return Math.floor(Math.log2(Math.abs(x)));
}

/** x * 2^e exactly (in steps, so that no intermediate overflows or underflows before the result would). */
export function scaleByPowerOfTwo(x: number, e: number): number {
  let value = x;
  let left = e;
  while (left > 1000) {
    value *= 2 ** 1000;
    left -= 1000;
  }
  while (left < -1000) {
    value *= 2 ** -1000;
    left += 1000;
  }
  return value * 2 ** left;
}

/**
 * Scales `layer` given the exponents of its inputs (`below`): entry (n, k) becomes w * 2^(e_n - below_k), the bias
 * b * 2^e_n. `shared` gives all rows one exponent (the output layer); otherwise each row gets its own.
 */
function balanceLayer(layer: Layer, below: Int32Array, shared: boolean): { layer: Layer; exponents: Int32Array } {
  const { inDim, outDim, weight, bias } = layer;
  const largest = new Float64Array(outDim).fill(Number.NEGATIVE_INFINITY);
  for (let n = 0; n < outDim; n++) {
    let top = bias[n] ? exponentOf(bias[n] ?? 0) : Number.NEGATIVE_INFINITY;
    for (let k = 0; k < inDim; k++) {
      const w = weight[n * inDim + k] ?? 0;
      if (w !== 0) top = Math.max(top, exponentOf(w) - (below[k] ?? 0));
    }
    largest[n] = top;
  }
  const common = Math.max(...largest);
  const exponents = Int32Array.from(largest, (top) => {
    const e = shared ? common : top;
    return Number.isFinite(e) ? -e - 1 : 0;
  });
  const balanced: Layer = { inDim, outDim, weight: new Float64Array(weight.length), bias: new Float64Array(outDim) };
  for (let n = 0; n < outDim; n++) {
    const e = exponents[n] ?? 0;
    balanced.bias[n] = scaleByPowerOfTwo(bias[n] ?? 0, e);
    for (let k = 0; k < inDim; k++) {
      balanced.weight[n * inDim + k] = scaleByPowerOfTwo(weight[n * inDim + k] ?? 0, e - (below[k] ?? 0));
    }
  }
  return { layer: balanced, exponents };
}

export function balanceNet(net: Net): BalancedNet {
  let below: Int32Array = new Int32Array(net.inputDim);
  const hidden: Layer[] = [];
  const exponents: number[] = [];
  for (const layer of net.hidden) {
    const result = balanceLayer(layer, below, false);
    hidden.push(result.layer);
    exponents.push(...result.exponents);
    below = result.exponents;
  }
  // A net without an output layer shows the sum of its last layer: made explicit, since its neurons now differ in
  // scale.
  const output = balanceLayer(net.output ?? outputUnit(net), below, true);
  return {
    net: { inputDim: net.inputDim, hidden, output: output.layer },
    neuronExponents: Int32Array.from(exponents),
    outputExponent: output.exponents[0] ?? 0,
  };
}
