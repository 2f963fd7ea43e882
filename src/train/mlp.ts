/**
 * The loss of a batch and its gradients, in float64 on the CPU: a ReLU MLP (the net's hidden layers and its linear
 * output layer, one logit per class), softmax cross-entropy averaged over the batch, and backpropagation. Weights are
 * row-major [out][in] as in src/model/net.ts; gradients have the same layout. Sums run in a fixed order, so a given
 * batch gives bit-identical results on every run.
 */
import type { Layer, Net } from '../model/net.ts';
import type { Split } from './datasets.ts';

/** The gradient of each layer (hidden layers, then the output), the weights' layout. */
export interface Gradients {
  readonly weight: Float64Array[];
  readonly bias: Float64Array[];
}

export function layersOf(net: Net): Layer[] {
  if (!net.output) throw new Error('training needs an output layer (one logit per class)');
  return [...net.hidden, net.output];
}

export function zeroGradients(net: Net): Gradients {
  const layers = layersOf(net);
  return {
    weight: layers.map((l) => new Float64Array(l.weight.length)),
    bias: layers.map((l) => new Float64Array(l.bias.length)),
  };
}

/** Buffers of one batch size, made once: pre-activations of each layer and the backpropagated signal. */
export class Workspace {
  readonly z: Float64Array[];
  readonly delta: Float64Array[];
  readonly input: Float64Array;

  constructor(
    readonly net: Net,
    readonly batch: number,
  ) {
    const layers = layersOf(net);
    this.z = layers.map((l) => new Float64Array(batch * l.outDim));
    this.delta = layers.map((l) => new Float64Array(batch * l.outDim));
    this.input = new Float64Array(batch * net.inputDim);
  }
}

/** out[b] = W h[b] + bias for each row b of h (rows of layer.inDim), ReLU applied to h when `relu`. */
function affine(layer: Layer, h: Float64Array, rows: number, relu: boolean, out: Float64Array): void {
  const { inDim, outDim, weight, bias } = layer;
  for (let b = 0; b < rows; b++) {
    const hb = b * inDim;
    for (let n = 0; n < outDim; n++) {
      const wn = n * inDim;
      let sum = bias[n] ?? 0;
      for (let k = 0; k < inDim; k++) {
        const v = h[hb + k] ?? 0;
        if (relu && v <= 0) continue;
        sum += (weight[wn + k] ?? 0) * v;
      }
      out[b * outDim + n] = sum;
    }
  }
}

/** Copies the points `indices` of a split into the workspace's input rows. */
export function gather(split: Split, indices: ArrayLike<number>, dim: number, into: Float64Array): void {
  for (let b = 0; b < indices.length; b++) {
    const k = indices[b] ?? 0;
    into.set(split.x.subarray(k * dim, (k + 1) * dim), b * dim);
  }
}

/** Logits of `rows` inputs (rows of net.inputDim in ws.input): ws.z's last entry. */
export function forward(ws: Workspace, rows: number): Float64Array {
  const layers = layersOf(ws.net);
  let h = ws.input;
  layers.forEach((layer, l) => {
    const z = ws.z[l] ?? new Float64Array();
    affine(layer, h, rows, l > 0, z);
    h = z;
  });
  return h;
}

/** Mean cross-entropy of softmax(logits) against `labels`, and (when `delta` is given) d loss / d logits. */
export function crossEntropy(
  logits: Float64Array,
  labels: ArrayLike<number>,
  rows: number,
  classes: number,
  delta?: Float64Array,
): number {
  let loss = 0;
  for (let b = 0; b < rows; b++) {
    const row = b * classes;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[row + c] ?? 0);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp((logits[row + c] ?? 0) - max);
    const label = labels[b] ?? 0;
    loss += Math.log(sum) + max - (logits[row + label] ?? 0);
    if (delta) {
      for (let c = 0; c < classes; c++) {
        delta[row + c] = (Math.exp((logits[row + c] ?? 0) - max) / sum - (c === label ? 1 : 0)) / rows;
      }
    }
  }
  return loss / rows;
}

/**
 * The mean loss of the batch `indices` of `split` and its gradients (added into `grads`, which the caller zeroes).
 */
export function lossAndGradients(ws: Workspace, split: Split, indices: ArrayLike<number>, grads: Gradients): number {
  const rows = indices.length;
  const net = ws.net;
  const layers = layersOf(net);
  gather(split, indices, net.inputDim, ws.input);
  const logits = forward(ws, rows);
  const last = layers.length - 1;
  const labels = Int32Array.from(indices, (k) => split.y[k] ?? 0);
  const loss = crossEntropy(logits, labels, rows, net.output?.outDim ?? 1, ws.delta[last]);
  for (let l = last; l >= 0; l--) {
    const layer = layers[l] as Layer;
    const { inDim, outDim, weight } = layer;
    const delta = ws.delta[l] ?? new Float64Array();
    const h = l === 0 ? ws.input : (ws.z[l - 1] ?? new Float64Array());
    const gw = grads.weight[l] ?? new Float64Array();
    const gb = grads.bias[l] ?? new Float64Array();
    const below = l > 0 ? (ws.delta[l - 1] ?? new Float64Array()) : null;
    if (below) below.fill(0, 0, rows * inDim);
    for (let b = 0; b < rows; b++) {
      for (let n = 0; n < outDim; n++) {
        const d = delta[b * outDim + n] ?? 0;
        if (d === 0) continue;
        gb[n] = (gb[n] ?? 0) + d;
        const wn = n * inDim;
        const hb = b * inDim;
        for (let k = 0; k < inDim; k++) {
          const v = h[hb + k] ?? 0;
          // The input of a hidden layer is relu(z): zero where z <= 0 (no gradient to the weight either).
          if (l > 0 && v <= 0) continue;
          gw[wn + k] = (gw[wn + k] ?? 0) + d * v;
          if (below) below[hb + k] = (below[hb + k] ?? 0) + d * (weight[wn + k] ?? 0);
        }
      }
    }
  }
  return loss;
}

/** Mean loss and accuracy (argmax, first of ties) of the net on a whole split, in batches of `ws.batch`. */
export function evaluate(ws: Workspace, split: Split): { loss: number; accuracy: number } {
  const classes = ws.net.output?.outDim ?? 1;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < split.count; start += ws.batch) {
    const rows = Math.min(ws.batch, split.count - start);
    const indices = Int32Array.from({ length: rows }, (_, i) => start + i);
    gather(split, indices, ws.net.inputDim, ws.input);
    const logits = forward(ws, rows);
    loss += rows * crossEntropy(logits, split.y.subarray(start, start + rows), rows, classes);
    for (let b = 0; b < rows; b++) {
      let best = 0;
      for (let c = 1; c < classes; c++)
        if ((logits[b * classes + c] ?? 0) > (logits[b * classes + best] ?? 0)) best = c;
      if (best === split.y[start + b]) correct++;
    }
  }
  return { loss: loss / Math.max(1, split.count), accuracy: correct / Math.max(1, split.count) };
}
