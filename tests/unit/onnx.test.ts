/**
 * ONNX files: the nets PyTorch exported (tests/fixtures/onnx) compute what PyTorch computed, an MLP exported to ONNX
 * is exactly the net of its state_dict, and hostile files (truncated, lying about their sizes, operators not read,
 * graphs out of order, dynamic shapes, NaN weights ...) get a one-line message naming the problem, never a throw.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binaryNetFormat } from '../../src/model/files/netBinary.ts';
import { parseNetBytes } from '../../src/model/files/netFile.ts';
import { kOnnxLimits, kOnnxOperators } from '../../src/model/files/onnx.ts';
import { predict } from '../../src/model/forward.ts';
import { type Graph, isGraph, type Network, type Op } from '../../src/model/graph/graph.ts';
import { predictGraph } from '../../src/model/graph/graphForward.ts';
import type { Net } from '../../src/model/net.ts';
import {
  attribute,
  decodeOnnx,
  encodeOnnx,
  type ModelObject,
  type ModelSpec,
  node,
  onnxModel,
  type TensorSpec,
} from '../support/onnxWriter.ts';
import { testSeed } from '../support/seed.ts';
import { torchFileOf } from '../support/torchWriter.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'tests', 'fixtures', 'onnx');
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(fixtures, name)));

interface Output {
  readonly digit: number;
  readonly index: number;
  readonly logits_f64: number[];
  readonly logits_f32: number[];
  readonly predicted: number;
}

interface Reference {
  readonly images: { digit: number; index: number; pixels: number[] }[];
  readonly files: Record<string, { format: string; ops?: Record<string, number>; outputs: Output[] }>;
}

const reference = JSON.parse(readFileSync(join(fixtures, 'reference.json'), 'utf8')) as Reference;

function read(bytes: Uint8Array, name = ''): Network {
  const result = parseNetBytes(bytes, name);
  if (!result.ok) throw new Error(result.error);
  return result.net;
}

function readGraph(bytes: Uint8Array): Graph {
  const net = read(bytes);
  if (!isGraph(net)) throw new Error('an MLP, not a graph');
  return net;
}

function readMlp(bytes: Uint8Array, name = ''): Net {
  const net = read(bytes, name);
  if (isGraph(net)) throw new Error('a graph, not an MLP');
  return net;
}

/** The message of a file that must be refused; a file read, or a throw, fails the test. */
function refusal(bytes: Uint8Array, name = 'model.onnx'): string {
  const result = parseNetBytes(bytes, name);
  if (result.ok) throw new Error('the file was read');
  expect(result.error).not.toMatch(/[\n\r]/);
  return result.error;
}

/** Every |a - b| at most `tolerance` times the largest |b|. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  expect(actual).toHaveLength(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? Number.NaN) - e)));
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

/** The first index where two float64 arrays differ in a bit (or in length), or -1. */
function firstDifference(a: Float64Array, b: Float64Array | undefined): number {
  if (!b || a.length !== b.length) return 0;
  const [x, y] = [new BigUint64Array(a.slice().buffer), new BigUint64Array(b.slice().buffer)];
  return x.findIndex((v, i) => v !== y[i]);
}

function expectSameNet(a: Net, b: Net): void {
  const layers = (net: Net) => [...net.hidden, ...(net.output ? [net.output] : [])];
  expect(a.inputDim).toBe(b.inputDim);
  expect(layers(a).map((l) => [l.inDim, l.outDim])).toEqual(layers(b).map((l) => [l.inDim, l.outDim]));
  expect(a.output === null).toBe(b.output === null);
  layers(a).forEach((layer, i) => {
    const other = layers(b)[i];
    expect(firstDifference(layer.weight, other?.weight)).toBe(-1);
    expect(firstDifference(layer.bias, other?.bias)).toBe(-1);
  });
}

/** The op that produced tensor t (tensor t + 1 is ops[t]'s output). */
const producer = (graph: Graph, t: number): Op | undefined => graph.ops[t - 1];

describe('the nets PyTorch exported', () => {
  const onnxFiles = Object.keys(reference.files).filter((name) => reference.files[name]?.format === 'onnx');

  it('every .onnx fixture is in the reference, with 12 images', () => {
    expect(onnxFiles.sort()).toEqual(
      ['cnn-f64.onnx', 'cnn.onnx', 'mlp-gemm.onnx', 'mlp-matmul.onnx', 'pool.onnx', 'resnet.onnx'].sort(),
    );
    expect(reference.images).toHaveLength(12);
    for (const image of reference.images) {
      expect(image.pixels).toHaveLength(784);
      expect(image.pixels.every((p) => Math.fround(p) === p)).toBe(true);
    }
  });

  it.each(onnxFiles)("%s computes PyTorch's logits: float64 to 1e-12, float32 to 1e-5, the same class", (name) => {
    const bytes = fixture(name);
    expect(binaryNetFormat(bytes)).toBe('onnx');
    const net = read(bytes, name);
    const outputs = reference.files[name]?.outputs ?? [];
    expect(outputs).toHaveLength(12);
    outputs.forEach((output, k) => {
      const image = reference.images[k];
      expect([image?.digit, image?.index]).toEqual([output.digit, output.index]);
      const pixels = image?.pixels ?? [];
      const { outputs: logits, predicted } = isGraph(net) ? predictGraph(net, pixels) : predict(net, pixels);
      expectClose(logits, output.logits_f64, 1e-12);
      expectClose(logits, output.logits_f32, 1e-5);
      expect(predicted).toBe(output.predicted);
    });
  });

  it('cnn.onnx: a graph of a conv, an asymmetric Pad, a strided, dilated conv in 2 groups, and a Gemm', () => {
    const graph = readGraph(fixture('cnn.onnx'));
    expect(graph.inputShape).toEqual([1, 28, 28]);
    expect(graph.ops.map((op) => op.kind)).toEqual(['conv', 'relu', 'pad', 'conv', 'relu', 'dense']);
    const [, , pad, conv] = graph.ops;
    // Pad (0 left / top, 1 right / bottom), computed in the graph by Slice, Transpose, Cast ...: folded at load.
    expect(pad?.kind === 'pad' && [pad.top, pad.left, pad.inShape, pad.outShape, pad.value]).toEqual([
      0,
      0,
      [4, 28, 28],
      [4, 29, 29],
      0,
    ]);
    expect(conv?.kind === 'conv' && [conv.groups, conv.window, conv.outShape]).toEqual([
      2,
      { kh: 3, kw: 3, strides: [2, 2], pads: [1, 1, 1, 1], dilations: [2, 2] },
      [8, 14, 14],
    ]);
    expect(graph.ops.at(-1)?.kind === 'dense' && [graph.ops.at(-1)?.size, graph.output]).toEqual([10, 6]);
  });

  it('cnn-f64.onnx (DOUBLE weights, float32 values widened) is the very graph of cnn.onnx', () => {
    expect(readGraph(fixture('cnn-f64.onnx'))).toEqual(readGraph(fixture('cnn.onnx')));
  });

  it('pool.onnx: MaxPool, a batch norm after a ReLU as a scale, AveragePool with and without the pads counted', () => {
    const graph = readGraph(fixture('pool.onnx'));
    expect(graph.ops.map((op) => op.kind)).toEqual([
      'conv',
      'relu',
      'maxPool',
      'conv',
      'relu',
      'scale',
      'avgPool',
      'pad',
      'avgPool',
      'dense',
      'relu',
      'dense',
    ]);
    const [, , maxPool, conv, , scale, avg, pad, avgAfterPad] = graph.ops;
    expect(maxPool?.kind === 'maxPool' && maxPool.window).toEqual({
      kh: 3,
      kw: 3,
      strides: [2, 2],
      pads: [1, 1, 1, 1],
      dilations: [1, 1],
    });
    expect(conv?.kind === 'conv' && conv.window.pads).toEqual([1, 2, 1, 2]);
    // BatchNormalization after the ReLU: a per-channel scale of the relu's output, 8 channels of 13 x 15.
    expect(scale?.kind === 'scale' && [producer(graph, scale.inputs[0] ?? 0)?.kind, scale.channelSize]).toEqual([
      'relu',
      13 * 15,
    ]);
    expect(scale?.kind === 'scale' && scale.scale.length).toBe(8);
    // AvgPool2d(2, 2, padding 1, count_include_pad=False): the pads are not counted.
    expect(avg?.kind === 'avgPool' && [avg.window.pads, avg.countIncludePad]).toEqual([[1, 1, 1, 1], false]);
    // AvgPool2d(2, 2, padding 1) (count_include_pad=True) as torch exports it: a Pad of zeros, then a pool of no pads.
    expect(pad?.kind === 'pad' && [pad.top, pad.left, pad.inShape, pad.outShape, pad.value]).toEqual([
      1,
      1,
      [8, 7, 8],
      [8, 9, 10],
      0,
    ]);
    expect(avgAfterPad?.kind === 'avgPool' && avgAfterPad.window.pads).toEqual([0, 0, 0, 0]);
  });

  it('resnet.onnx: LeakyReLU, residual Adds, a Concat of two convs, a batch norm, a global average pool', () => {
    const graph = readGraph(fixture('resnet.onnx'));
    const kinds = graph.ops.map((op) => op.kind);
    expect(kinds.filter((k) => k === 'leakyRelu')).toHaveLength(5);
    expect(kinds.filter((k) => k === 'conv')).toHaveLength(7);
    for (const op of graph.ops) if (op.kind === 'leakyRelu') expect(op.alpha).toBe(Math.fround(0.1));
    const adds = graph.ops.filter((op) => op.kind === 'add');
    expect(adds).toHaveLength(2);
    // A residual: one operand is the block's input, computed long before the other.
    for (const add of adds) {
      const [a = 0, b = 0] = add.inputs;
      expect(Math.abs(a - b)).toBeGreaterThan(1);
    }
    const concat = graph.ops.find((op) => op.kind === 'concat');
    expect(concat?.inputs.map((t) => producer(graph, t)?.kind)).toEqual(['conv', 'conv']);
    expect(concat?.size).toBe(16 * 14 * 14);
    const scale = graph.ops.find((op) => op.kind === 'scale');
    expect(scale && producer(graph, scale.inputs[0] ?? 0)).toBe(concat);
    const global = graph.ops.find((op) => op.kind === 'avgPool');
    expect(global?.kind === 'avgPool' && [global.inShape, global.outShape, global.window.kh, global.window.kw]).toEqual(
      [[16, 14, 14], [16, 1, 1], 14, 14],
    );
    expect(graph.ops.at(-1)?.kind).toBe('dense');
  });
});

describe('an MLP exported to ONNX', () => {
  const pt = readMlp(fixture('mlp.pt'), 'mlp.pt');

  it('mlp.pt is 784 -> 32 -> 32 with 10 outputs', () => {
    expect([pt.inputDim, pt.hidden.map((l) => l.outDim), pt.output?.outDim]).toEqual([784, [32, 32], 10]);
  });

  it('with Gemm is bit for bit the net of its state_dict', () => {
    expectSameNet(readMlp(fixture('mlp-gemm.onnx'), 'mlp-gemm.onnx'), pt);
  });

  it('with MatMul (a transposed weight) and Add is bit for bit the net of its state_dict', () => {
    expectSameNet(readMlp(fixture('mlp-matmul.onnx'), 'mlp-matmul.onnx'), pt);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Files written here.

const w1 = [0.5, -1, 0.25, 2, -0.75, 1.5, 0, -0.125, 1, 1, -2, 0.375];
const b1 = [0.125, -0.25, 0.375];
const w2 = [1, -1, 0.5, -0.5, 2, 0.25];
const b2 = [0.0625, -0.0625];

/** A small MLP (4 -> 3 -> 2): Gemm (transB 1), Relu, Gemm; `edit` may change the spec. */
function tinySpec(encoding: TensorSpec['encoding'] = 'raw', type: TensorSpec['type'] = 'float'): ModelSpec {
  const init = (name: string, dims: number[], values: number[]) => ({ name, dims, values, encoding, type });
  return {
    inputShape: [1, 4],
    initializers: [init('w1', [3, 4], w1), init('b1', [3], b1), init('w2', [2, 3], w2), init('b2', [2], b2)],
    nodes: [
      node('Gemm', ['input', 'w1', 'b1'], ['h'], [attribute.int('transB', 1)], 'fc1'),
      node('Relu', ['h'], ['r'], [], 'act'),
      node('Gemm', ['r', 'w2', 'b2'], ['logits'], [attribute.int('transB', 1)], 'fc2'),
    ],
  };
}

const tiny = (spec: Partial<ModelSpec> = {}): Uint8Array => encodeOnnx(onnxModel({ ...tinySpec(), ...spec }));

/** An image model: [1, 1, 4, 4] -> Conv(1 -> 2, 3, pad 1) -> Relu -> more nodes -> Flatten -> Gemm(2 x 16 -> 2). */
function imageSpec(middle: ModelSpec['nodes'] = [], last = 'r', extra: ModelSpec['initializers'] = []): ModelSpec {
  const kernel = Array.from({ length: 18 }, (_, k) => ((k * 7) % 5) / 4 - 0.5);
  const dense = Array.from({ length: 64 }, (_, k) => ((k * 3) % 7) / 8 - 0.375);
  return {
    inputShape: [1, 1, 4, 4],
    initializers: [
      { name: 'k', dims: [2, 1, 3, 3], values: kernel },
      { name: 'kb', dims: [2], values: [0.25, -0.25] },
      { name: 'w', dims: [2, 32], values: dense },
      ...extra,
    ],
    nodes: [
      node(
        'Conv',
        ['input', 'k', 'kb'],
        ['c'],
        [attribute.ints('kernel_shape', [3, 3]), attribute.ints('pads', [1, 1, 1, 1])],
      ),
      node('Relu', ['c'], ['r']),
      ...middle,
      node('Flatten', [last], ['f']),
      node('Gemm', ['f', 'w'], ['logits'], [attribute.int('transB', 1)]),
    ],
  };
}

const image = (...args: Parameters<typeof imageSpec>): Uint8Array => encodeOnnx(onnxModel(imageSpec(...args)));

describe('ONNX files written here', () => {
  const expected = (x: number[]): number[] => {
    const h = [0, 1, 2].map((n) => Math.max(0, (b1[n] ?? 0) + x.reduce((s, v, i) => s + (w1[4 * n + i] ?? 0) * v, 0)));
    return [0, 1].map((n) => (b2[n] ?? 0) + h.reduce((s, v, i) => s + (w2[3 * n + i] ?? 0) * v, 0));
  };

  it('a Gemm MLP is read as an MLP with the values written', () => {
    const net = readMlp(tiny());
    expect(Array.from(net.hidden[0]?.weight ?? [])).toEqual(w1);
    expect(Array.from(net.output?.bias ?? [])).toEqual(b2);
    for (const x of [
      [1, 2, 3, 4],
      [-1, 0.5, 2, -3],
    ]) {
      expectClose(predict(net, x).outputs, expected(x), 1e-15);
    }
  });

  it('float_data, and DOUBLE double_data, give the numbers of raw_data', () => {
    const raw = readMlp(tiny());
    const typed = readMlp(encodeOnnx(onnxModel(tinySpec('typed'))));
    const doubles = readMlp(encodeOnnx(onnxModel(tinySpec('typed', 'double'))));
    const rawDoubles = readMlp(encodeOnnx(onnxModel(tinySpec('raw', 'double'))));
    expectSameNet(typed, raw);
    expectSameNet(doubles, raw);
    expectSameNet(rawDoubles, raw);
    // The fixture itself, its initializers rewritten as float_data.
    const model = decodeOnnx(fixture('mlp-gemm.onnx'));
    for (const t of model.graph?.initializer ?? []) {
      const raw = t.rawData ?? new Uint8Array();
      t.floatData = Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
      delete t.rawData;
    }
    expectSameNet(readMlp(encodeOnnx(model)), readMlp(fixture('mlp-gemm.onnx')));
  });

  it('opsets 9 and 21 are read', () => {
    expectSameNet(readMlp(tiny({ opset: 9 })), readMlp(tiny()));
    expectSameNet(readMlp(tiny({ opset: 21 })), readMlp(tiny()));
  });
});
