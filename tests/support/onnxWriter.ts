/**
 * ONNX files written by hand (there is no PyTorch here): plain objects in the shape of onnx.proto's messages, encoded
 * with the reader's own protobufjs schema (src/model/files/onnxSchema.ts). Every field can be set to anything, to make
 * the hostile files the tests need; a fixture can be decoded, edited and encoded again.
 */
import { modelProto } from '../../src/model/files/onnxSchema.ts';

const encoder = new TextEncoder();

/** TensorProto.DataType values the writer knows. */
export const kOnnxType = { float: 1, int32: 6, int64: 7, double: 11 } as const;

/** onnx.TensorProto as a plain object (int64 fields as numbers). */
export interface TensorObject {
  name?: string;
  dims?: number[];
  dataType?: number;
  rawData?: Uint8Array;
  floatData?: number[];
  doubleData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  externalData?: Uint8Array[];
  dataLocation?: number;
}

export interface AttributeObject {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorObject;
  floats?: number[];
  ints?: number[];
}

export interface NodeObject {
  input: string[];
  output: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: AttributeObject[];
}

export interface DimensionObject {
  dimValue?: number;
  dimParam?: string;
}

export interface ValueInfoObject {
  name: string;
  type?: { tensorType: { elemType: number; shape: { dim: DimensionObject[] } } };
}

export interface ModelObject {
  irVersion?: number;
  producerName?: string;
  opsetImport?: { domain?: string; version: number }[];
  graph?: {
    name?: string;
    node?: NodeObject[];
    initializer?: TensorObject[];
    input?: ValueInfoObject[];
    output?: ValueInfoObject[];
  };
}

/** A tensor to write: values in row-major order, stored as raw_data (as torch.onnx.export does) or the typed field. */
export interface TensorSpec {
  readonly name?: string;
  readonly dims: readonly number[];
  readonly values: ArrayLike<number>;
  readonly type?: keyof typeof kOnnxType;
  readonly encoding?: 'raw' | 'typed';
}

/** A TensorProto of `spec` (float32 raw_data unless asked otherwise). */
export function tensorObject(spec: TensorSpec): TensorObject {
  const type = spec.type ?? 'float';
  const values = Array.from(spec.values);
  const t: TensorObject = { dims: [...spec.dims], dataType: kOnnxType[type] };
  if (spec.name !== undefined) t.name = spec.name;
  if ((spec.encoding ?? 'raw') === 'typed') {
    if (type === 'float') t.floatData = values;
    else if (type === 'double') t.doubleData = values;
    else if (type === 'int32') t.int32Data = values;
    else t.int64Data = values;
    return t;
  }
  const size = type === 'double' || type === 'int64' ? 8 : 4;
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  values.forEach((v, k) => {
    if (type === 'float') view.setFloat32(k * 4, v, true);
    else if (type === 'double') view.setFloat64(k * 8, v, true);
    else if (type === 'int32') view.setInt32(k * 4, v, true);
    else view.setBigInt64(k * 8, BigInt(v), true);
  });
  t.rawData = raw;
  return t;
}

/** AttributeProto of each kind (AttributeType: FLOAT 1, INT 2, STRING 3, TENSOR 4, FLOATS 6, INTS 7). */
export const attribute = {
  float: (name: string, f: number): AttributeObject => ({ name, type: 1, f }),
  int: (name: string, i: number): AttributeObject => ({ name, type: 2, i }),
  string: (name: string, s: string): AttributeObject => ({ name, type: 3, s: encoder.encode(s) }),
  tensor: (name: string, t: TensorSpec): AttributeObject => ({ name, type: 4, t: tensorObject(t) }),
  floats: (name: string, floats: number[]): AttributeObject => ({ name, type: 6, floats }),
  ints: (name: string, ints: number[]): AttributeObject => ({ name, type: 7, ints }),
};

/** A NodeProto; its name is its first output's unless given. */
export function node(
  opType: string,
  input: string[],
  output: string[],
  attributes: AttributeObject[] = [],
  name = output[0] ?? opType,
): NodeObject {
  return { input, output, name, opType, attribute: attributes };
}

export interface ModelSpec {
  readonly nodes: readonly NodeObject[];
  /** Weights, each with its name (raw float32 unless a spec says otherwise). */
  readonly initializers?: readonly (TensorSpec & { readonly name: string })[];
  /** The input's shape, batch first; a string is a dim_param (a dynamic dimension). */
  readonly inputShape: readonly (number | string)[];
  readonly inputName?: string;
  readonly outputName?: string;
  /** The default domain's opset (13 unless given). */
  readonly opset?: number;
}

/** A ModelProto as torch.onnx.export lays it out: ir_version 7, one opset import, the weights listed as initializers. */
export function onnxModel(spec: ModelSpec): ModelObject {
  const dims = spec.inputShape.map((d): DimensionObject => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  const valueInfo = (name: string, dim: DimensionObject[]): ValueInfoObject => ({
    name,
    type: { tensorType: { elemType: kOnnxType.float, shape: { dim } } },
  });
  return {
    irVersion: 7,
    producerName: 'onnxWriter',
    opsetImport: [{ domain: '', version: spec.opset ?? 13 }],
    graph: {
      name: 'main_graph',
      node: [...spec.nodes],
      initializer: (spec.initializers ?? []).map(tensorObject),
      input: [valueInfo(spec.inputName ?? 'input', dims)],
      output: [valueInfo(spec.outputName ?? 'logits', [])],
    },
  };
}

/** The bytes of a model. */
export function encodeOnnx(model: ModelObject): Uint8Array {
  const type = modelProto();
  return type.encode(type.fromObject(model as Record<string, unknown>)).finish();
}

/** A file's model as a plain object (int64 fields as numbers, bytes as Uint8Array), to edit and encode again. */
export function decodeOnnx(bytes: Uint8Array): ModelObject {
  const type = modelProto();
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false }) as ModelObject;
}
