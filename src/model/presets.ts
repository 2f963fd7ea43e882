/**
 * Hand-built nets that show a result of the papers. Telgarsky's sawtooth: a deep skinny net whose region count along
 * a line is exponential in depth (2^k with 2k neurons), which no shallow net of that size reaches (depth separation).
 * Its perturbation is the talk's "numerical instability" slide: such nets are needles in weight space, and a random
 * change of the weights destroys most of their 2^k regions, which is why random and trained nets have far fewer
 * regions than the bound 2^#neurons. Measured along x in [0, 1] at k = 10: epsilon = 0.1 leaves 264 regions on
 * average (300 seeds); a tiny epsilon (1e-4) first adds regions (about 1380), because the neurons that only touch
 * zero in the exact sawtooth then cross it.
 */

import { kInputDim } from './files/netFile.ts';
import { type Layer, makeLayer, type Net } from './net.ts';
import { Random } from './random.ts';

function layerOf(rows: readonly (readonly number[])[], bias: readonly number[]): Layer {
  const layer = makeLayer(rows[0]?.length ?? 0, rows.length);
  rows.forEach((row, r) => {
    layer.weight.set(row, r * layer.inDim);
  });
  layer.bias.set(bias);
  return layer;
}

/**
 * Telgarsky's sawtooth of depth k >= 1: k hidden layers of 2 neurons computing the tent t(s) = 2 relu(s) -
 * 4 relu(s - 1/2) composed k times on x (y is ignored). Layer 1 computes (x, x - 1/2); each further layer computes
 * (t, t - 1/2) of the layer below through rows (2, -4); the output is the last tent, t^k(x). Along x in [0, 1] (any y)
 * it has exactly 2^k regions, with breakpoints at j / 2^k.
 */
export function sawtooth(k: number): Net {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`sawtooth depth must be a positive integer, got ${k}`);
  const tent = [2, -4];
  const halves = [0, -1 / 2];
  const hidden = [
    layerOf(
      [
        [1, 0],
        [1, 0],
      ],
      halves,
    ),
  ];
  for (let l = 1; l < k; l++) hidden.push(layerOf([tent, tent], halves));
  return { inputDim: kInputDim, hidden, output: layerOf([tent], [0]) };
}

/** The sawtooth of depth k with epsilon * N(0, 1) added to every weight and bias (seeded: the same seed, the same net). */
export function perturbedSawtooth(k: number, epsilon: number, seed: number): Net {
  const net = sawtooth(k);
  const rng = new Random(seed);
  const layers = [...net.hidden, ...(net.output ? [net.output] : [])];
  for (const { weight, bias } of layers) {
    for (let i = 0; i < weight.length; i++) weight[i] = (weight[i] ?? 0) + epsilon * rng.normal();
    for (let i = 0; i < bias.length; i++) bias[i] = (bias[i] ?? 0) + epsilon * rng.normal();
  }
  return net;
}
