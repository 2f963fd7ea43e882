/**
 * A ReLU MLP in float64: hidden layers z_l = W_l h_{l-1} + b_l, h_l = relu(z_l), and an optional linear output.
 * Weights are row-major [out][in] (PyTorch's nn.Linear layout), as in the `relu-mlp` file format.
 */

/** One affine layer: z = weight * h + bias. */
export interface Layer {
  /** Fan-in: the width of the layer below (2 for the first layer). */
  readonly inDim: number;
  /** Number of neurons. */
  readonly outDim: number;
  /** Row-major [outDim][inDim]. */
  readonly weight: Float64Array;
  readonly bias: Float64Array;
}

export interface Net {
  readonly inputDim: number;
  readonly hidden: readonly Layer[];
  /** Linear output layer; absent when the file has none. */
  readonly output: Layer | null;
}

export function neuronCount(net: Net): number {
  return net.hidden.reduce((sum, layer) => sum + layer.outDim, 0);
}

export function hiddenWidths(net: Net): number[] {
  return net.hidden.map((layer) => layer.outDim);
}

/** Index of the first neuron of each hidden layer in the global neuron numbering (used by the pattern hash). */
export function neuronBases(net: Net): number[] {
  const bases: number[] = [];
  let base = 0;
  for (const layer of net.hidden) {
    bases.push(base);
    base += layer.outDim;
  }
  return bases;
}

export function makeLayer(inDim: number, outDim: number): Layer {
  return { inDim, outDim, weight: new Float64Array(inDim * outDim), bias: new Float64Array(outDim) };
}

/** Units of the net's output layer; a net without one shows one (the sum of its last hidden layer). */
export function outputCount(net: Net): number {
  return net.output?.outDim ?? 1;
}

/**
 * The output ReLUscope shows, as a layer of one unit: output unit `unit` of the net (clamped to its units; 0 by
 * default), or, for a net without an output layer, the sum of its last hidden layer. The oracle and both GPU passes
 * use it.
 */
export function outputUnit(net: Net, unit = 0): Layer {
  const last = net.hidden.at(-1)?.outDim ?? 0;
  if (!net.output) return { inDim: last, outDim: 1, weight: new Float64Array(last).fill(1), bias: Float64Array.of(0) };
  const { weight, bias } = net.output;
  const u = Math.max(0, Math.min(net.output.outDim - 1, Math.floor(unit)));
  return { inDim: last, outDim: 1, weight: weight.subarray(u * last, (u + 1) * last), bias: bias.subarray(u, u + 1) };
}

function cloneLayer(layer: Layer): Layer {
  return { inDim: layer.inDim, outDim: layer.outDim, weight: layer.weight.slice(), bias: layer.bias.slice() };
}

/** A copy of the net whose weights can change without changing the original. */
export function cloneNet(net: Net): Net {
  return { inputDim: net.inputDim, hidden: net.hidden.map(cloneLayer), output: net.output && cloneLayer(net.output) };
}
