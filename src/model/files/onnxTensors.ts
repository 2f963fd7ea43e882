import { quoted } from '../quote.ts';
import { kDataType } from './onnxSchema.ts';

export class OnnxError extends Error {}

export function fail(message: string): never {
  // Lists from the file (dims, pads, a Reshape's shape) may be long: a long message keeps its start and its end.
  const cut = message.length > 600 ? `${message.slice(0, 360)}…(${message.length - 600} more characters)…` : null;
  throw new OnnxError(cut ? `${cut}${message.slice(-240)}` : message);
}

/** What an ONNX file may hold, besides the limits of every net (kNetLimits). */
export const kOnnxLimits = {
  nodes: 20_000,
  /** Elements of one tensor (a weight, or an activation). */
  tensorElements: 2 ** 24,
  /** Piecewise-linear units (relu elements and pooling windows) of the whole graph. */
  units: 2 ** 22,
  /** Elements allocated at load besides the initializers (folded constants, dense weights, biases) together. */
  foldedElements: 2 ** 27,
  opsetMin: 9,
  opsetMax: 21,
} as const;

export const kOnnxOperators = [
  'Conv',
  'Gemm',
  'MatMul',
  'Add',
  'Relu',
  'LeakyRelu',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Pad',
  'BatchNormalization',
  'Flatten',
  'Reshape',
  'Concat',
  'Identity',
  'Dropout',
  'Constant',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Cast',
  'ConstantOfShape',
  'Slice',
  'Transpose',
  'Sub',
  'Mul',
  'Div',
] as const;

/** Row-major strides of `dims`. */
export function stridesOf(dims: readonly number[]): number[] {
  const strides = dims.map(() => 1);
  for (let i = dims.length - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (dims[i + 1] ?? 1);
  return strides;
}

/** A value of the graph: a constant (folded at load) or a tensor of the network with its full shape (batch first). */
export type Value = { const: true; dims: number[]; data: Float64Array } | { const: false; id: number; shape: number[] };

export interface Attribute {
  name?: string;
  f?: number;
  i?: unknown;
  s?: Uint8Array;
  t?: TensorMessage;
  floats?: number[];
  ints?: unknown[];
}

export interface TensorMessage {
  dims?: unknown[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: unknown[];
  doubleData?: number[];
  rawData?: Uint8Array;
  name?: string;
  externalData?: unknown[];
  dataLocation?: number;
}

export interface NodeMessage {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  attribute?: Attribute[];
}

export interface ModelMessage {
  opsetImport?: { domain?: string; version?: unknown }[];
  graph?: {
    node?: NodeMessage[];
    initializer?: TensorMessage[];
    sparseInitializer?: unknown[];
    input?: {
      name?: string;
      type?: { tensorType?: { shape?: { dim?: { dimValue?: unknown; dimParam?: string }[] } } };
    }[];
    output?: { name?: string }[];
  };
}

/** An int64 as protobufjs gives it (a Long object, a number or a string) as a safe integer. */
export function integer(value: unknown, where: string): number {
  const n = Number(typeof value === 'object' && value !== null ? String(value) : value);
  if (!Number.isSafeInteger(n)) fail(`${where}: ${String(value)} is not an integer ReLUscope can use`);
  return n;
}

export function elementCount(dims: number[], where: string): number {
  let count = 1;
  for (const d of dims) {
    if (d < 0) fail(`${where} has a negative dimension (${dims.join(' x ')})`);
    count *= d;
    if (count > kOnnxLimits.tensorElements) {
      fail(`${where} has more than ${kOnnxLimits.tensorElements} elements (${dims.join(' x ')})`);
    }
  }
  return count;
}

/** A TensorProto's values in float64, its size checked before anything is allocated. */
export function readTensor(t: TensorMessage, where: string): { dims: number[]; data: Float64Array } {
  if ((t.externalData?.length ?? 0) > 0 || t.dataLocation === 1) {
    fail(`${where} keeps its data in an external file: save the model with its weights inside (one .onnx file)`);
  }
  const dims = (t.dims ?? []).map((d) => integer(d, `${where}'s dims`));
  const count = elementCount(dims, where);
  const type = t.dataType ?? 0;
  const bytesPer = type === kDataType.double || type === kDataType.int64 ? 8 : 4;
  if (![kDataType.float, kDataType.double, kDataType.int64, kDataType.int32].includes(type as 1)) {
    fail(`${where} has data type ${type}; ReLUscope reads float32, float64, int64 and int32 tensors`);
  }
  const raw = t.rawData;
  const data = new Float64Array(count);
  if (raw && raw.byteLength > 0) {
    if (raw.byteLength !== count * bytesPer) {
      fail(`${where} has ${raw.byteLength} bytes of data, its shape ${dims.join(' x ')} needs ${count * bytesPer}`);
    }
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    for (let k = 0; k < count; k++) {
      data[k] =
        type === kDataType.float
          ? view.getFloat32(4 * k, true)
          : type === kDataType.double
            ? view.getFloat64(8 * k, true)
            : type === kDataType.int32
              ? view.getInt32(4 * k, true)
              : Number(view.getBigInt64(8 * k, true));
    }
  } else {
    const typed: unknown[] =
      type === kDataType.float
        ? (t.floatData ?? [])
        : type === kDataType.double
          ? (t.doubleData ?? [])
          : type === kDataType.int32
            ? (t.int32Data ?? [])
            : (t.int64Data ?? []);
    if (typed.length !== count)
      fail(`${where} has ${typed.length} values, its shape ${dims.join(' x ')} needs ${count}`);
    typed.forEach((v, k) => {
      data[k] = type === kDataType.int64 ? integer(v, where) : Number(v);
    });
  }
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) fail(`${where}[${bad}] is ${data[bad]}, not a finite number`);
  return { dims, data };
}

export function attr(node: NodeMessage, name: string): Attribute | undefined {
  return node.attribute?.find((a) => a.name === name);
}

export function intAttr(node: NodeMessage, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i === undefined ? fallback : integer(a.i, `attribute ${name}`);
}

export function intsAttr(node: NodeMessage, name: string): number[] | null {
  const a = attr(node, name);
  return a?.ints ? a.ints.map((v) => integer(v, `attribute ${name}`)) : null;
}

export function describeNode(node: NodeMessage): string {
  return `node ${quoted(node.name || (node.output?.[0] ?? '?'), 60)} (${quoted(node.opType ?? '?', 40)})`;
}
