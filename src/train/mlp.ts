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

/**
 * Buffers of one batch size, made once: pre-activations of each layer, the backpropagated signal, each layer's
 * weights transposed ([in][out], refreshed at each use) and its weight gradient in that layout. Transposed, every
 * inner loop runs over a layer's outputs contiguously and skips the inputs a ReLU turned off (about half of them).
 */
export class Workspace {
  readonly z: Float64Array[];
  readonly delta: Float64Array[];
  readonly input: Float64Array;
  readonly columns: Float64Array[];
  readonly gradColumns: Float64Array[];

  constructor(
    readonly net: Net,
    readonly batch: number,
  ) {
    const layers = layersOf(net);
    this.z = layers.map((l) => new Float64Array(batch * l.outDim));
    this.delta = layers.map((l) => new Float64Array(batch * l.outDim));
    this.input = new Float64Array(batch * net.inputDim);
    this.columns = layers.map((l) => new Float64Array(l.weight.length));
    this.gradColumns = layers.map((l) => new Float64Array(l.weight.length));
  }
}

// Indices below stay within the arrays by construction: `as number` instead of `?? 0` keeps V8's inner loops free
// of checks.

/** W as [inDim][outDim]. */
function transpose({ inDim, outDim, weight }: Layer, into: Float64Array): void {
  for (let n = 0; n < outDim; n++) {
    for (let k = 0; k < inDim; k++) into[k * outDim + n] = weight[n * inDim + k] as number;
  }
}

/**
 * out[b] = W h[b] + bias for each row b of h (rows of layer.inDim), ReLU applied to h when `relu`: the columns of
 * the inputs that are on, added in input order.
 */
function affine(
  layer: Layer,
  columns: Float64Array,
  h: Float64Array,
  rows: number,
  relu: boolean,
  out: Float64Array,
): void {
  const { inDim, outDim, bias } = layer;
  for (let b = 0; b < rows; b++) {
    for (let n = 0; n < outDim; n++) out[b * outDim + n] = bias[n] as number;
  }
  // Two samples a pass over the columns: each column is read once for both (these loops are bound by memory).
  for (let b = 0; b < rows; b += 2) {
    const h0 = b * inDim;
    const o0 = b * outDim;
    const pair = b + 1 < rows;
    const h1 = h0 + inDim;
    const o1 = o0 + outDim;
    for (let k = 0; k < inDim; k++) {
      let v0 = h[h0 + k] as number;
      let v1 = pair ? (h[h1 + k] as number) : 0;
      if (relu) {
        if (v0 < 0) v0 = 0;
        if (v1 < 0) v1 = 0;
      }
      const ck = k * outDim;
      if (v0 !== 0 && v1 !== 0) {
        for (let n = 0; n < outDim; n++) {
          const c = columns[ck + n] as number;
          out[o0 + n] = (out[o0 + n] as number) + c * v0;
          out[o1 + n] = (out[o1 + n] as number) + c * v1;
        }
      } else if (v0 !== 0) {
        for (let n = 0; n < outDim; n++) out[o0 + n] = (out[o0 + n] as number) + (columns[ck + n] as number) * v0;
      } else if (v1 !== 0) {
        for (let n = 0; n < outDim; n++) out[o1 + n] = (out[o1 + n] as number) + (columns[ck + n] as number) * v1;
      }
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
    const z = ws.z[l] as Float64Array;
    const columns = ws.columns[l] as Float64Array;
    transpose(layer, columns);
    affine(layer, columns, h, rows, l > 0, z);
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
    const { inDim, outDim } = layer;
    const delta = ws.delta[l] as Float64Array;
    const h = l === 0 ? ws.input : (ws.z[l - 1] as Float64Array);
    const columns = ws.columns[l] as Float64Array;
    const gc = ws.gradColumns[l] as Float64Array;
    gc.fill(0);
    const gb = grads.bias[l] as Float64Array;
    const below = l > 0 ? (ws.delta[l - 1] as Float64Array) : null;
    for (let b = 0; b < rows; b++) {
      const db = b * outDim;
      for (let n = 0; n < outDim; n++) gb[n] = (gb[n] as number) + (delta[db + n] as number);
      const hb = b * inDim;
      for (let k = 0; k < inDim; k++) {
        const v = h[hb + k] as number;
        // The input of a hidden layer is relu(z): where z <= 0 no gradient reaches the weight or passes below.
        if (v === 0 || (l > 0 && v < 0)) {
          if (below) below[hb + k] = 0;
          continue;
        }
        const ck = k * outDim;
        let back = 0;
        for (let n = 0; n < outDim; n++) {
          const d = delta[db + n] as number;
          gc[ck + n] = (gc[ck + n] as number) + d * v;
          back += d * (columns[ck + n] as number);
        }
        if (below) below[hb + k] = back;
      }
    }
    const gw = grads.weight[l] as Float64Array;
    for (let n = 0; n < outDim; n++) {
      for (let k = 0; k < inDim; k++)
        gw[n * inDim + k] = (gw[n * inDim + k] as number) + (gc[k * outDim + n] as number);
    }
  }
  return loss;
}

/**
 * Mean loss and accuracy (argmax, first of ties) of the net on a whole split, in batches of `ws.batch`; `done` is
 * told the samples evaluated before each batch (a wide net takes seconds a batch).
 */
export function evaluate(
  ws: Workspace,
  split: Split,
  done: (samples: number) => void = () => {},
): { loss: number; accuracy: number } {
  const classes = ws.net.output?.outDim ?? 1;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < split.count; start += ws.batch) {
    done(start);
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
