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

describe('hostile ONNX files get a one-line message, never a throw', () => {
  const cnn = fixture('cnn.onnx');

  it('cnn.onnx truncated at any of 40 cuts', () => {
    const cuts = [2, 3, 4, 8, 16, 30, 64, 100, 200, 500, 1000, 4000, 20_000, 40_000, 60_000, 66_000];
    for (let k = 1; k <= 24; k++) cuts.push(cnn.length - k * 17);
    for (const cut of cuts) {
      // A cut between two fields leaves a valid protobuf: then the opset (the last field torch writes) is missing.
      expect(refusal(cnn.subarray(0, cut), 'cnn.onnx')).toMatch(
        /^ONNX file: (not a valid ONNX protobuf \(.*\): the file is truncated or not ONNX|the file's opset is missing; ReLUscope reads opsets 9 to 21)$/,
      );
    }
  });

  it('random bytes that start like an ONNX file (0x08), and random changes to the fixtures', () => {
    const seed = testSeed('onnx fuzz');
    let state = seed;
    const random = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    for (let n = 0; n < 200; n++) {
      const bytes = Uint8Array.from({ length: 2 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256));
      bytes[0] = 0x08;
      bytes[1] = Math.floor(random() * 128);
      expect(refusal(bytes)).toMatch(/^ONNX file: /);
    }
    // Byte changes in the small fixtures: read or refused (never thrown), and what is read computes finite logits.
    const sources = [fixture('pool.onnx'), fixture('resnet.onnx'), tiny(), image()];
    for (let n = 0; n < 400; n++) {
      const bytes = (sources[n % sources.length] ?? cnn).slice();
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--)
        bytes[Math.floor(random() * bytes.length)] = random() * 256;
      const result = parseNetBytes(bytes, 'x.onnx');
      if (!result.ok) expect(result.error).not.toMatch(/[\n\r]/);
      else if (isGraph(result.net) && result.net.ops.reduce((sum, op) => sum + op.size, 0) < 2e6) {
        const x = Array.from({ length: result.net.inputDim }, () => random());
        expect(predictGraph(result.net, x).outputs.every(Number.isFinite)).toBe(true);
      }
    }
  });

  /** The tiny MLP with initializer `name` replaced. */
  const withInitializer = (name: string, t: Partial<TensorSpec>, spec = tinySpec()): Uint8Array =>
    encodeOnnx(
      onnxModel({
        ...spec,
        initializers: (spec.initializers ?? []).map((i) => (i.name === name ? { ...i, ...t } : i)),
      }),
    );
  /** The tiny MLP with its nodes replaced. */
  const withNodes = (nodes: ModelSpec['nodes']): Uint8Array => tiny({ nodes });
  const gemm = (x: string, w: string, b: string | null, out: string) =>
    node('Gemm', b ? [x, w, b] : [x, w], [out], [attribute.int('transB', 1)], out);
  /** The model, its initializer `name` edited as an object. */
  const editTensor = (bytes: Uint8Array, name: string, edit: (t: NonNullable<TensorOf>) => void): Uint8Array => {
    const model = decodeOnnx(bytes);
    const t = model.graph?.initializer?.find((i) => i.name === name);
    if (!t) throw new Error(`no ${name}`);
    edit(t);
    return encodeOnnx(model);
  };
  type TensorOf = NonNullable<NonNullable<ModelObject['graph']>['initializer']>[number];

  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      'raw_data shorter than its dims say',
      () => editTensor(tiny(), 'w1', (t) => (t.rawData = (t.rawData ?? new Uint8Array()).subarray(4))),
      /^ONNX file: initializer "w1" has 44 bytes of data, its shape 3 x 4 needs 48$/,
    ],
    [
      'raw_data longer than its dims say',
      () => editTensor(tiny(), 'b1', (t) => (t.rawData = new Uint8Array(16))),
      /^ONNX file: initializer "b1" has 16 bytes of data, its shape 3 needs 12$/,
    ],
    [
      'float_data of fewer values than its dims say',
      () => withInitializer('w1', { values: w1.slice(1), encoding: 'typed' }),
      /^ONNX file: initializer "w1" has 11 values, its shape 3 x 4 needs 12$/,
    ],
    [
      'dims of 2^40 elements (refused before anything is allocated)',
      () => editTensor(tiny(), 'w1', (t) => (t.dims = [2 ** 20, 2 ** 20])),
      /^ONNX file: initializer "w1" has more than 16777216 elements \(1048576 x 1048576\)$/,
    ],
    [
      'a dimension of 2^40',
      () => editTensor(tiny(), 'b1', (t) => (t.dims = [2 ** 40])),
      /^ONNX file: initializer "b1" has more than 16777216 elements \(1099511627776\)$/,
    ],
    [
      'a dimension of 2^60 (past float64 integers)',
      () => editTensor(tiny(), 'b1', (t) => (t.dims = [2 ** 60])),
      /^ONNX file: initializer "b1"'s dims: 1152921504606846976 is not an integer ReLUscope can use$/,
    ],
    [
      'a negative dimension',
      () => editTensor(tiny(), 'b1', (t) => (t.dims = [-3])),
      /^ONNX file: initializer "b1" has a negative dimension \(-3\)$/,
    ],
    [
      'a Sigmoid',
      () =>
        withNodes([
          gemm('input', 'w1', 'b1', 'h'),
          node('Sigmoid', ['h'], ['r'], [], 'act'),
          gemm('r', 'w2', 'b2', 'logits'),
        ]),
      new RegExp(`^ONNX file: node "act" \\("Sigmoid"\\) is not read; ReLUscope reads ${kOnnxOperators.join(', ')}$`),
    ],
    [
      'a Softmax at the end',
      () =>
        withNodes([
          gemm('input', 'w1', 'b1', 'h'),
          node('Relu', ['h'], ['r']),
          gemm('r', 'w2', 'b2', 'z'),
          node('Softmax', ['z'], ['logits'], [attribute.int('axis', 1)], '/Softmax'),
        ]),
      /^ONNX file: node "\/Softmax" \("Softmax"\) is not read; ReLUscope reads Conv, Gemm, MatMul, Add, Relu, .*, Div$/,
    ],
    [
      'an operator of another domain',
      () =>
        withNodes([
          gemm('input', 'w1', 'b1', 'h'),
          { ...node('Relu', ['h'], ['r'], [], 'act'), domain: 'com.microsoft' },
          gemm('r', 'w2', 'b2', 'logits'),
        ]),
      /^ONNX file: node "act" \("Relu"\) is from the domain "com\.microsoft"; ReLUscope reads ONNX's own operators$/,
    ],
    [
      'nodes out of topological order',
      () => withNodes([gemm('input', 'w1', 'b1', 'h'), gemm('r', 'w2', 'b2', 'logits'), node('Relu', ['h'], ['r'])]),
      /^ONNX file: node "logits" \("Gemm"\) reads "r" before any node writes it: the graph is not a DAG in topological order$/,
    ],
    [
      'a cycle',
      () =>
        withNodes([
          node('Add', ['h', 'logits'], ['s'], [], 'loop'),
          gemm('input', 'w1', 'b1', 'h'),
          node('Relu', ['s'], ['r']),
          gemm('r', 'w2', 'b2', 'logits'),
        ]),
      /^ONNX file: node "loop" \("Add"\) reads "h" before any node writes it: the graph is not a DAG/,
    ],
    [
      'a node that writes a weight',
      () => withNodes([gemm('input', 'w1', 'b1', 'h'), node('Relu', ['h'], ['w2']), gemm('w2', 'w2', 'b2', 'logits')]),
      /^ONNX file: node "w2" \("Relu"\) writes "w2", which another node or weight already is$/,
    ],
    [
      'a dynamic batch dimension (dim_param)',
      () => tiny({ inputShape: ['batch_size', 4] }),
      /^ONNX file: the input "input" has a dynamic dimension 0 \("batch_size"\): export with a fixed input shape \(no dynamic_axes\)$/,
    ],
    [
      'a batch of 2',
      () => tiny({ inputShape: [2, 4] }),
      /^ONNX file: the input's shape is \[2, 4\]; ReLUscope reads a batch of one: \[1, d\] or \[1, C, H, W\]$/,
    ],
    [
      'two inputs',
      () => {
        const model = onnxModel(tinySpec());
        model.graph?.input?.push({ name: 'mask' });
        return encodeOnnx(model);
      },
      /^ONNX file: the graph has 2 inputs besides its weights; ReLUscope reads networks of one input$/,
    ],
    [
      'NaN in float_data',
      () => withInitializer('w2', { values: [1, 2, 3, 4, Number.NaN, 6], encoding: 'typed' }),
      /^ONNX file: initializer "w2"\[4\] is NaN, not a finite number$/,
    ],
    [
      'infinity in raw_data',
      () => withInitializer('b1', { values: [0, Number.POSITIVE_INFINITY, 0] }),
      /^ONNX file: initializer "b1"\[1\] is Infinity, not a finite number$/,
    ],
    [
      'DOUBLE weights whose sum is infinite (an Add of a bias to a Gemm with a bias)',
      () =>
        tiny({
          initializers: [
            ...(tinySpec().initializers ?? []).map((i) =>
              i.name === 'b1' ? { ...i, values: [0, 1e308, 0], type: 'double' as const } : i,
            ),
            { name: 'more', dims: [3], values: [0, 1e308, 0], type: 'double' },
          ],
          nodes: [
            gemm('input', 'w1', 'b1', 'fc1'),
            node('Add', ['fc1', 'more'], ['h'], [], 'add'),
            node('Relu', ['h'], ['r']),
            gemm('r', 'w2', 'b2', 'logits'),
          ],
        }),
      /^ONNX file: node "fc1" has a weight that is Infinity, not a finite number$/,
    ],
    [
      'a Gemm whose alpha is NaN',
      () =>
        withNodes([
          node(
            'Gemm',
            ['input', 'w1', 'b1'],
            ['h'],
            [attribute.int('transB', 1), attribute.float('alpha', Number.NaN)],
            'fc1',
          ),
          node('Relu', ['h'], ['r']),
          gemm('r', 'w2', 'b2', 'logits'),
        ]),
      /^ONNX file: node "fc1" has a weight that is NaN, not a finite number$/,
    ],
    [
      'an infinite value_float added as a bias',
      () =>
        withNodes([
          node('Constant', [], ['c'], [attribute.float('value_float', Number.POSITIVE_INFINITY)]),
          gemm('input', 'w1', 'b1', 'h'),
          node('Relu', ['h'], ['r']),
          gemm('r', 'w2', 'b2', 'z'),
          node('Relu', ['z'], ['z2']),
          node('Add', ['z2', 'c'], ['logits'], [], 'shift'),
        ]),
      /^ONNX file: node "shift" has a weight that is Infinity, not a finite number$/,
    ],
    [
      'external data (data_location 1)',
      () =>
        editTensor(tiny(), 'w1', (t) => {
          t.dataLocation = 1;
          delete t.rawData;
        }),
      /^ONNX file: initializer "w1" keeps its data in an external file: save the model with its weights inside \(one \.onnx file\)$/,
    ],
    ['opset 8', () => tiny({ opset: 8 }), /^ONNX file: the file's opset is 8; ReLUscope reads opsets 9 to 21$/],
    ['opset 22', () => tiny({ opset: 22 }), /^ONNX file: the file's opset is 22; ReLUscope reads opsets 9 to 21$/],
    [
      'no opset',
      () => {
        const model = onnxModel(tinySpec());
        delete model.opsetImport;
        return encodeOnnx(model);
      },
      /^ONNX file: the file's opset is missing; ReLUscope reads opsets 9 to 21$/,
    ],
    [
      'no ReLU (an affine map)',
      () => withNodes([gemm('input', 'w1', 'b1', 'h'), gemm('h', 'w2', 'b2', 'logits')]),
      /^ONNX file: the network has no ReLU, LeakyReLU or MaxPool: it is affine, with one region$/,
    ],
    [
      'an output not computed from the input',
      () => tiny({ outputName: 'w2' }),
      /^ONNX file: the graph's output "w2" is not computed from its input$/,
    ],
    [
      'a Conv kernel of 3 input channels on an image of 1',
      () =>
        encodeOnnx(
          onnxModel({
            ...imageSpec(),
            initializers: (imageSpec().initializers ?? []).map((i) =>
              i.name === 'k' ? { ...i, dims: [2, 3, 3, 3], values: new Float32Array(54).fill(0.5) } : i,
            ),
          }),
        ),
      /^ONNX file: node "c" \("Conv"\): a kernel \[2, 3, 3, 3\] in 1 groups does not fit 1 input channels$/,
    ],
    [
      'a Conv of 3 output channels in 2 groups',
      () =>
        image([node('Conv', ['r', 'k3'], ['c2'], [attribute.int('group', 2)])], 'c2', [
          { name: 'k3', dims: [3, 1, 1, 1], values: [1, 1, 1] },
        ]),
      /^ONNX file: node "c2" \("Conv"\): a kernel \[3, 1, 1, 1\] in 2 groups does not fit 2 input channels$/,
    ],
    [
      'a Conv on a row, not an image',
      () =>
        withNodes([node('Conv', ['input', 'w1'], ['h']), node('Relu', ['h'], ['r']), gemm('r', 'w2', 'b2', 'logits')]),
      /^ONNX file: node "h" \("Conv"\) needs an image \[1, C, H, W\], its input is \[1, 4\]$/,
    ],
    [
      'a Gemm whose weight does not take the inputs',
      () => withInitializer('w1', { dims: [3, 5], values: new Float32Array(15) }),
      /^ONNX file: node "fc1" \("Gemm"\): the weight \[3, 5\] does not take the 4 inputs$/,
    ],
    [
      'a Gemm on an image (not flattened)',
      () => image([node('Gemm', ['r', 'w'], ['g'], [attribute.int('transB', 1)])], 'g'),
      /^ONNX file: node "g" \("Gemm"\): its input \[1, 2, 4, 4\] must be a row \[1, 32\] \(flatten it first\)$/,
    ],
    [
      'a Reshape to an impossible shape',
      () =>
        image([node('Reshape', ['r', 'shape'], ['bad'])], 'bad', [
          { name: 'shape', dims: [2], values: [1, 31], type: 'int64' },
        ]),
      /^ONNX file: node "bad" \("Reshape"\): cannot reshape \[1, 2, 4, 4\] to \[1, 31\]$/,
    ],
    [
      'a Reshape that changes the batch',
      () =>
        image([node('Reshape', ['r', 'shape'], ['bad'])], 'bad', [
          { name: 'shape', dims: [2], values: [2, -1], type: 'int64' },
        ]),
      /^ONNX file: node "bad" \("Reshape"\): the reshape changes the batch dimension \(\[2, 16\]\)$/,
    ],
    [
      'a MaxPool with ceil_mode 1',
      () =>
        image(
          [
            node(
              'MaxPool',
              ['r'],
              ['p'],
              [
                attribute.ints('kernel_shape', [3, 3]),
                attribute.ints('strides', [2, 2]),
                attribute.int('ceil_mode', 1),
              ],
            ),
          ],
          'p',
        ),
      /^ONNX file: node "p" \("MaxPool"\): ceil_mode is not read \(use ceil_mode=False\)$/,
    ],
    [
      'a MaxPool with auto_pad SAME_UPPER',
      () =>
        image(
          [
            node(
              'MaxPool',
              ['r'],
              ['p'],
              [attribute.ints('kernel_shape', [2, 2]), attribute.string('auto_pad', 'SAME_UPPER')],
            ),
          ],
          'p',
        ),
      /^ONNX file: node "p" \("MaxPool"\): auto_pad SAME_UPPER is not read; export with explicit pads$/,
    ],
    [
      'a MaxPool whose indices are read',
      () => image([node('MaxPool', ['r'], ['p', 'i'], [attribute.ints('kernel_shape', [2, 2])])], 'p'),
      /^ONNX file: node "p" \("MaxPool"\): its indices output is not read$/,
    ],
    [
      'a BatchNormalization in training mode',
      () =>
        image(
          [node('BatchNormalization', ['r', 'g', 'beta', 'mean', 'var'], ['bn'], [attribute.int('training_mode', 1)])],
          'bn',
          ['g', 'beta', 'mean', 'var'].map((name) => ({ name, dims: [2], values: [1, 1] })),
        ),
      /^ONNX file: node "bn" \("BatchNormalization"\) is in training mode: export the model after model\.eval\(\)$/,
    ],
    [
      'a BatchNormalization of a negative variance',
      () =>
        image([node('BatchNormalization', ['r', 'g', 'beta', 'mean', 'var'], ['bn'])], 'bn', [
          ...['g', 'beta', 'mean'].map((name) => ({ name, dims: [2], values: [1, 1] })),
          { name: 'var', dims: [2], values: [1, -1] },
        ]),
      /^ONNX file: node "bn" \("BatchNormalization"\): channel 1's variance \+ epsilon is not positive$/,
    ],
    [
      'an Add of tensors of two shapes',
      () =>
        image([node('Conv', ['r', 'k3'], ['c3']), node('Add', ['r', 'c3'], ['sum'], [], 'residual')], 'sum', [
          { name: 'k3', dims: [3, 2, 1, 1], values: [1, 0, 0, 1, 1, 1] },
        ]),
      /^ONNX file: node "residual" \("Add"\): adds tensors of shapes \[1, 2, 4, 4\] and \[1, 3, 4, 4\]; only equal shapes are added$/,
    ],
    [
      'a Pad that is not constant',
      () =>
        image([node('Pad', ['r', 'pads'], ['p'], [attribute.string('mode', 'reflect')])], 'p', [
          { name: 'pads', dims: [8], values: [0, 0, 1, 1, 0, 0, 1, 1], type: 'int64' },
        ]),
      /^ONNX file: node "p" \("Pad"\): only constant padding is read \(mode "reflect"\)$/,
    ],
    [
      'a LeakyRelu of alpha 2',
      () =>
        withNodes([
          gemm('input', 'w1', 'b1', 'h'),
          node('LeakyRelu', ['h'], ['r'], [attribute.float('alpha', 2)], 'act'),
          gemm('r', 'w2', 'b2', 'logits'),
        ]),
      /^ONNX file: node "act" \("LeakyRelu"\): alpha 2 is not in \[0, 1\): the function is not a leaky ReLU ReLUscope draws$/,
    ],
    [
      'constants folded at load beyond the limit (a small file of ConstantOfShape nodes)',
      () =>
        withNodes([
          node('Constant', [], ['n'], [attribute.tensor('value', { dims: [1], values: [2 ** 24], type: 'int64' })]),
          ...Array.from({ length: 12 }, (_, k) => node('ConstantOfShape', ['n'], [`zeros${k}`])),
          ...tinySpec().nodes,
        ]),
      new RegExp(
        `^ONNX file: node "zeros7" \\("ConstantOfShape"\\): the constants made at load exceed ${kOnnxLimits.foldedElements} elements$`,
      ),
    ],
  ];

  it.each(cases)('%s', (_, make, message) => {
    expect(refusal(make())).toMatch(message);
  });

  it('a list of the file quoted in a message (a Reshape to the 62,720 values of a weight) is cut', () => {
    const model = decodeOnnx(cnn);
    const reshape = model.graph?.node?.find((n) => n.opType === 'Reshape' && n.input.length === 2);
    if (!reshape) throw new Error('no Reshape');
    reshape.input[1] = 'fc.weight';
    const message = refusal(encodeOnnx(model));
    expect(message).toMatch(/^ONNX file: node ".*" \("Reshape"\): cannot reshape \[.*…\(\d+ more characters\)….*\]$/);
    expect(message.length).toBeLessThan(700);
  });

  it('a file named .onnx that holds JSON: the message says so', () => {
    const json = new TextEncoder().encode('{"format": "relu-mlp", "version": 1, "inputDim": 2, "hidden": []}');
    expect(refusal(json, 'x.onnx')).toMatch(
      /^the name \(\.onnx\) says an? ONNX file, but the content is text, read as relu-mlp JSON: "hidden" must be a non-empty array of layers$/,
    );
    expect(refusal(json, 'x.json')).toBe('"hidden" must be a non-empty array of layers');
  });

  it('a graph of more nodes than kOnnxLimits.nodes is refused before it is lowered', () => {
    expect(kOnnxLimits.nodes).toBeGreaterThan(1000);
    const nodes = Array.from({ length: kOnnxLimits.nodes + 1 }, (_, k) => node('Identity', ['input'], [`i${k}`]));
    expect(refusal(withNodes(nodes))).toBe(
      `ONNX file: the graph has ${kOnnxLimits.nodes + 1} nodes; at most ${kOnnxLimits.nodes} are read`,
    );
  });
});

describe('what the reader folds and lowers, checked by hand', () => {
  it('AveragePool with count_include_pad 1 divides by the whole window, 0 by the pixels inside', () => {
    // [1, 1, 2, 2] -> Relu -> AveragePool(2, stride 1, pads 1) -> 3 x 3; the corners hold one pixel of four.
    const pool = (count: number) =>
      encodeOnnx(
        onnxModel({
          inputShape: [1, 1, 2, 2],
          nodes: [
            node('Relu', ['input'], ['r']),
            node(
              'AveragePool',
              ['r'],
              ['p'],
              [
                attribute.ints('kernel_shape', [2, 2]),
                attribute.ints('pads', [1, 1, 1, 1]),
                attribute.int('count_include_pad', count),
              ],
            ),
            node('Flatten', ['p'], ['logits']),
          ],
        }),
      );
    const x = [1, 2, 3, 4];
    expect(predictGraph(readGraph(pool(1)), x).outputs).toEqual([0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1]);
    expect(predictGraph(readGraph(pool(0)), x).outputs).toEqual([1, 1.5, 2, 2, 2.5, 3, 3, 3.5, 4]);
  });

  it("MatMul + Add where the dense output is read twice keeps the Add a separate 'bias'", () => {
    const bytes = tiny({
      initializers: [
        { name: 'w', dims: [4, 2], values: [1, 0, 0, 1, 1, 0, 0, 1] },
        { name: 'b', dims: [2], values: [0.5, -0.5] },
      ],
      nodes: [
        node('MatMul', ['input', 'w'], ['m']),
        node('Add', ['m', 'b'], ['mb']),
        node('Add', ['mb', 'm'], ['s']),
        node('Relu', ['s'], ['logits']),
      ],
    });
    const graph = readGraph(bytes);
    expect(graph.ops.map((op) => op.kind)).toEqual(['dense', 'bias', 'add', 'relu']);
    // relu(2 (x W) + b): x W = [1 + 3, 2 + 4]
    expect(predictGraph(graph, [1, 2, 3, 4]).outputs).toEqual([8.5, 11.5]);
  });

  it('a Transpose of rank 11 (shape arithmetic) is folded', () => {
    const bytes = withRank11();
    expect(readMlp(bytes).hidden).toHaveLength(1);
  });
});

function withRank11(): Uint8Array {
  const dims = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2];
  return tiny({
    nodes: [
      node('Constant', [], ['c'], [attribute.tensor('value', { dims, values: [1, 2] })]),
      node('Transpose', ['c'], ['t'], [attribute.ints('perm', [10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0])]),
      ...tinySpec().nodes,
    ],
  });
}

describe('a PyTorch state_dict of a convolution', () => {
  it('is refused with a message that says to export the model to ONNX', () => {
    const tensors = new Map([
      ['conv.weight', { shape: [4, 1, 3, 3], data: new Float64Array(36).fill(0.5) }],
      ['conv.bias', { shape: [4], data: new Float64Array(4) }],
      ['fc.weight', { shape: [10, 2704], data: new Float64Array(27_040) }],
      ['fc.bias', { shape: [10], data: new Float64Array(10) }],
    ]);
    const message = refusal(torchFileOf(tensors), 'cnn.pt');
    expect(message).toBe(
      'PyTorch file: "conv.weight" has shape [4, 1, 3, 3]; expected [out, in] (a convolution: only Linear layers are read from a state_dict; export the model to ONNX instead, with the shape of its input: torch.onnx.export(model.eval(), torch.zeros(1, 1, 28, 28), "model.onnx"))',
    );
  });
});
