/** Nets for the tests: rescalings that keep the partition, for nets whose weights span float64's range. */
import type { Layer, Net } from '../../src/model/net.ts';

/**
 * The same partition with every neuron of hidden layer l scaled by factors[l] (weights on it divided by the same
 * further up), and the output left as it was: the weights then span the factors' range, e.g. 1e300 to 1e-290. The
 * factors are not powers of two, so the rescaled net's numbers round differently from the original's.
 */
export function rescaled(net: Net, factors: readonly number[]): Net {
  const scale = (layer: Layer, into: number, from: number): Layer => ({
    ...layer,
    weight: layer.weight.map((w) => w * (into / from)),
    bias: layer.bias.map((b) => b * into),
  });
  const hidden = net.hidden.map((layer, l) => scale(layer, factors[l] ?? 1, l === 0 ? 1 : (factors[l - 1] ?? 1)));
  const last = factors[net.hidden.length - 1] ?? 1;
  return { ...net, hidden, output: net.output ? scale(net.output, 1, last) : null };
}

/** Layer factors of a 3-layer net whose weights span float64's range, with the ranges that broke float32. */
export const kExtremeFactors: readonly (readonly number[])[] = [
  [1e300, 1e10, 1e-290],
  [1e38, 1e76, 1e-38],
  [1e-19, 1e-38, 1e-57],
];
