/**
 * What any net may be, whatever its source (random, preset, file, a browser's storage): the app, the command line
 * and the shot page check the same limits, so a net is accepted or refused alike everywhere.
 */
import { counted } from './format.ts';
import type { Net } from './net.ts';

export const kNetLimits = {
  /** Inputs of a net read from a file (a net of more than 2 is seen through a plane, src/model/plane.ts). */
  maxInputDim: 2 ** 24,
  /** Hidden layers. */
  maxDepth: 64,
  /** Neurons of one hidden layer. */
  maxWidth: 8192,
  /** Weights of all layers together: nets are built and checked in float64 on the CPU. */
  maxWeights: 2 ** 26,
  /** Bytes of a net file read from disk or in the browser: reading stops there (a device like /dev/zero too). */
  maxFileBytes: 512 * 2 ** 20,
  /** Characters of JSON text: about V8's longest string. */
  maxJsonChars: 2 ** 29 - 64,
} as const;

/** Weights of a net of these hidden widths on `inputDim` inputs (the output layer left out). */
export function weightCount(inputDim: number, widths: readonly number[]): number {
  return widths.reduce((sum, w, i) => sum + w * (i === 0 ? inputDim : (widths[i - 1] ?? 0)), 0);
}

/**
 * Why `net` cannot be shown (inputs, depth, width, a layer of no neurons, size, a number that is not finite), or null:
 * the one check of every net, whatever its file format.
 */
export function netLimitProblem(net: Net): string | null {
  const { inputDim } = net;
  if (!(inputDim >= 2 && inputDim <= kNetLimits.maxInputDim)) {
    return `the first layer has ${counted(inputDim, 'input')}; ReLUscope reads from 2 to ${kNetLimits.maxInputDim}`;
  }
  const widths = net.hidden.map((l) => l.outDim);
  if (widths.length === 0) return 'the net has no hidden layer';
  const empty = widths.indexOf(0);
  if (empty >= 0) return `hidden[${empty}] has no neurons`;
  if (net.output?.outDim === 0) return 'the output layer has no units';
  if (widths.length > kNetLimits.maxDepth) {
    return `the net has ${widths.length} hidden layers; at most ${kNetLimits.maxDepth} are shown`;
  }
  const widest = Math.max(...widths);
  if (widest > kNetLimits.maxWidth) {
    return `a hidden layer has ${widest} neurons; at most ${kNetLimits.maxWidth} are shown`;
  }
  const weights = [...net.hidden, ...(net.output ? [net.output] : [])].reduce((s, l) => s + l.weight.length, 0);
  if (weights > kNetLimits.maxWeights) {
    return `the net has ${weights} weights; at most ${kNetLimits.maxWeights} are shown`;
  }
  const layers = [...net.hidden.map((l, i) => [`hidden[${i}]`, l] as const), ['output', net.output] as const];
  for (const [where, layer] of layers) {
    if (!layer) continue;
    const w = layer.weight.findIndex((v) => !Number.isFinite(v));
    if (w >= 0) {
      const [r, c] = [Math.floor(w / layer.inDim), w % layer.inDim];
      return `${where}.weight[${r}][${c}] is ${layer.weight[w]}, not a finite number`;
    }
    const b = layer.bias.findIndex((v) => !Number.isFinite(v));
    if (b >= 0) return `${where}.bias[${b}] is ${layer.bias[b]}, not a finite number`;
  }
  return null;
}
