/**
 * Nets for the tests: rescalings that keep the partition, for nets whose weights span float64's range; classifiers
 * with a decision boundary in view.
 */
import type { Layer, Net } from '../../src/model/net.ts';
import { evaluatePoint } from '../../src/model/oracle.ts';
import type { Random } from '../../src/model/random.ts';
import type { View } from '../../src/model/view.ts';

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

/**
 * A random view of `net` with a decision boundary through its centre (so that a comparison is not of one class
 * everywhere): the runner-up unit's bias raised to tie with the top unit there; for a net of one output, its bias
 * shifted to make the output 0 there. Otherwise the net is the random one.
 */
export function classifierView(net: Net, rng: Random): { net: Net; view: View } {
  const view = { cx: rng.normal(), cy: rng.normal(), span: 1 + 5 * rng.uniform() };
  const output = net.output;
  if (!output) return { net, view };
  const outputs = evaluatePoint(net, view.cx, view.cy).outputs;
  const order = outputs.map((o, k) => [o, k] as const).sort((a, b) => b[0] - a[0]);
  const [top, second] = [order[0] ?? [0, 0], order[1]];
  const bias = output.bias.map((b, k) => (second ? (k === second[1] ? b + top[0] - second[0] : b) : b - top[0]));
  return { net: { ...net, output: { ...output, bias } }, view };
}
