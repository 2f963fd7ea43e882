/**
 * Seeded random graphs of 2 inputs for the tests and benchmarks: a dense map of the plane onto a small image, then
 * a stack of convolutions, pools, batch norms, pads and residual blocks, then a dense output. The same seed gives the
 * same graph everywhere. Weights are He-scaled Gaussians with small biases, so every stage has boundaries in view.
 */
import { Random } from '../random.ts';
import type { Graph, ImageShape, Op, Window2d } from './graph.ts';

export interface RandomGraphSpec {
  readonly seed: number;
  /** The image the plane is mapped to: [C, H, W]. */
  readonly image?: ImageShape;
  /** Blocks, in order: conv, maxPool, avgPool, residual, leaky, pad, batchNorm, concat. */
  readonly blocks?: readonly (
    | 'conv'
    | 'odd'
    | 'maxPool'
    | 'avgPool'
    | 'residual'
    | 'leaky'
    | 'pad'
    | 'batchNorm'
    | 'concat'
  )[];
  /** Output units (default 3). */
  readonly outputs?: number;
  /** Channels of every convolution (default 3). */
  readonly channels?: number;
}

const kWindow3: Window2d = { kh: 3, kw: 3, strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1] };
/** A convolution window of every kind of asymmetry: 3 x 2, strides (2, 1), pads (1, 0, 2, 1), dilations (2, 1). */
const kWindowOdd: Window2d = { kh: 3, kw: 2, strides: [2, 1], pads: [1, 0, 2, 1], dilations: [2, 1] };
const kWindow2: Window2d = { kh: 2, kw: 2, strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1] };

function gaussians(rng: Random, n: number, sigma: number): Float64Array {
  return Float64Array.from({ length: n }, () => sigma * rng.normal());
}

export function randomGraph(spec: RandomGraphSpec): Graph {
  const rng = new Random(spec.seed);
  const channels = spec.channels ?? 3;
  let shape: ImageShape = spec.image ?? [2, 6, 6];
  const ops: Op[] = [];
  const size = (s: ImageShape): number => s[0] * s[1] * s[2];
  const add = (op: Op): number => {
    ops.push(op);
    return ops.length;
  };
  const first = size(shape);
  let x = add({
    kind: 'dense',
    inputs: [0],
    size: first,
    name: 'plane',
    layer: { inDim: 2, outDim: first, weight: gaussians(rng, 2 * first, 1), bias: gaussians(rng, first, 0.5) },
  });
  const conv = (
    input: number,
    inShape: ImageShape,
    out: number,
    window: Window2d,
    name: string,
  ): [number, ImageShape] => {
    const oh = Math.floor((inShape[1] + window.pads[0] + window.pads[2] - window.kh) / window.strides[0]) + 1;
    const ow = Math.floor((inShape[2] + window.pads[1] + window.pads[3] - window.kw) / window.strides[1]) + 1;
    const outShape: ImageShape = [out, oh, ow];
    const fanIn = inShape[0] * window.kh * window.kw;
    const kernel = gaussians(rng, out * fanIn, Math.sqrt(2 / fanIn));
    const op: Op = {
      kind: 'conv',
      inputs: [input],
      size: size(outShape),
      name,
      inShape,
      outShape,
      window,
      groups: 1,
      kernel,
      bias: gaussians(rng, out, 0.1),
    };
    return [add(op), outShape];
  };
  (spec.blocks ?? ['conv', 'maxPool', 'residual']).forEach((block, b) => {
    const name = `${block}${b}`;
    switch (block) {
      case 'conv':
      case 'odd':
      case 'leaky': {
        [x, shape] = conv(x, shape, channels, block === 'odd' ? kWindowOdd : kWindow3, name);
        x = add(
          block === 'conv'
            ? { kind: 'relu', inputs: [x], size: size(shape), name: `${name}.relu` }
            : { kind: 'leakyRelu', inputs: [x], size: size(shape), name: `${name}.leaky`, alpha: 0.1 },
        );
        return;
      }
      case 'maxPool':
      case 'avgPool': {
        const outShape: ImageShape = [shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2)];
        const base = { inputs: [x], size: size(outShape), name, inShape: shape, outShape, window: kWindow2 };
        x = add(
          block === 'maxPool' ? { kind: 'maxPool', ...base } : { kind: 'avgPool', ...base, countIncludePad: false },
        );
        shape = outShape;
        return;
      }
      case 'residual': {
        const skip = x;
        let [y, s] = conv(x, shape, shape[0], kWindow3, `${name}.a`);
        y = add({ kind: 'relu', inputs: [y], size: size(s), name: `${name}.relu` });
        [y, s] = conv(y, s, shape[0], kWindow3, `${name}.b`);
        y = add({ kind: 'add', inputs: [y, skip], size: size(s), name: `${name}.add` });
        x = add({ kind: 'relu', inputs: [y], size: size(s), name: `${name}.out` });
        return;
      }
      case 'pad': {
        const outShape: ImageShape = [shape[0], shape[1] + 1, shape[2] + 2];
        x = add({
          kind: 'pad',
          inputs: [x],
          size: size(outShape),
          name,
          inShape: shape,
          outShape,
          channelBefore: 0,
          top: 1,
          left: 0,
          value: 0.25,
        });
        shape = outShape;
        return;
      }
      case 'batchNorm': {
        const c = shape[0];
        x = add({
          kind: 'scale',
          inputs: [x],
          size: size(shape),
          name,
          channelSize: shape[1] * shape[2],
          scale: gaussians(rng, c, 1),
          shift: gaussians(rng, c, 0.3),
        });
        return;
      }
      case 'concat': {
        const [y, s] = conv(x, shape, 1, kWindow3, `${name}.branch`);
        x = add({ kind: 'concat', inputs: [x, y], size: size(shape) + size(s), name });
        shape = [shape[0] + 1, shape[1], shape[2]];
        return;
      }
    }
  });
  const inDim = size(shape);
  const outputs = spec.outputs ?? 3;
  const layer = {
    inDim,
    outDim: outputs,
    weight: gaussians(rng, inDim * outputs, Math.sqrt(1 / inDim)),
    bias: gaussians(rng, outputs, 0.1),
  };
  const output = add({ kind: 'dense', inputs: [x], size: outputs, name: 'output', layer });
  return { kind: 'graph', inputShape: [2], inputDim: 2, ops, output };
}
