/**
 * ONNX files (as torch.onnx.export writes them, opsets 9 to 21, tested 11 to 17) read into a network graph
 * (src/model/graph/graph.ts). Decoded with protobufjs (onnxSchema.ts), then lowered node by node in the file's
 * order: each node's inputs must be defined before it (ONNX requires a topological order; a cycle cannot be).
 * Constants and the shape arithmetic are folded at load (onnxFolding.ts), as are BatchNormalization (into a
 * per-channel scale), Flatten, Reshape, Identity and Dropout; the rest become the graph's operations here. Anything
 * else is refused with the node, its operator and what is read. Hostile input: the file's size is bounded before
 * decoding, every tensor's element count before it is allocated (onnxTensors.ts), and every weight must be finite.
 */
import type { Graph, ImageShape, Op, Window2d } from '../graph/graph.ts';
import { kNetLimits } from '../limits.ts';
import { quoted } from '../quote.ts';
import { NodeReader } from './onnxFolding.ts';
import { modelProto } from './onnxSchema.ts';
import {
  attr,
  elementCount,
  fail,
  intAttr,
  integer,
  intsAttr,
  kOnnxLimits,
  kOnnxOperators,
  type ModelMessage,
  type NodeMessage,
  readTensor,
  type Value,
} from './onnxTensors.ts';

export { kOnnxLimits, kOnnxOperators, OnnxError } from './onnxTensors.ts';

/** Reads an ONNX file into a network graph; throws OnnxError with a one-line message. */
export function graphFromOnnx(bytes: Uint8Array): Graph {
  if (bytes.byteLength > kNetLimits.maxFileBytes) fail(`the file is larger than ${kNetLimits.maxFileBytes} bytes`);
  let model: ModelMessage;
  try {
    model = modelProto().toObject(modelProto().decode(bytes), { defaults: false }) as ModelMessage;
  } catch (error) {
    fail(`not a valid ONNX protobuf (${(error as Error).message}): the file is truncated or not ONNX`);
  }
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = opset ? integer(opset.version, 'the opset version') : 0;
  if (version < kOnnxLimits.opsetMin || version > kOnnxLimits.opsetMax) {
    fail(
      `the file's opset is ${version || 'missing'}; ReLUscope reads opsets ${kOnnxLimits.opsetMin} to ${kOnnxLimits.opsetMax}`,
    );
  }
  const graph = model.graph;
  if (!graph) fail('the file has no graph');
  if ((graph.sparseInitializer?.length ?? 0) > 0)
    fail('the graph has sparse initializers, which ReLUscope does not read');
  const nodes = graph.node ?? [];
  if (nodes.length > kOnnxLimits.nodes)
    fail(`the graph has ${nodes.length} nodes; at most ${kOnnxLimits.nodes} are read`);
  return new Lowering(graph, version).run(nodes);
}

class Lowering extends NodeReader {
  private readonly ops: Op[] = [];
  private readonly inputShape: number[];
  private units = 0;
  private weights = 0;

  constructor(
    private readonly graph: NonNullable<ModelMessage['graph']>,
    opset: number,
  ) {
    super(opset);
    for (const t of graph.initializer ?? []) {
      const name = t.name ?? '';
      const { dims, data } = readTensor(t, `initializer ${quoted(name, 60)}`);
      this.weights += data.length;
      if (this.weights > kNetLimits.maxWeights) fail(`the file has more than ${kNetLimits.maxWeights} weights`);
      this.values.set(name, { const: true, dims, data });
    }
    const inputs = (graph.input ?? []).filter((i) => !this.values.has(i.name ?? ''));
    if (inputs.length !== 1) {
      fail(`the graph has ${inputs.length} inputs besides its weights; ReLUscope reads networks of one input`);
    }
    const input = inputs[0] ?? {};
    const dims = input.type?.tensorType?.shape?.dim ?? [];
    const shape = dims.map((d, i) => {
      if (d.dimValue === undefined) {
        fail(
          `the input ${quoted(input.name ?? '', 40)} has a dynamic dimension ${i} (${quoted(d.dimParam ?? '?', 30)}): export with a fixed input shape (no dynamic_axes)`,
        );
      }
      return integer(d.dimValue, 'an input dimension');
    });
    if (shape.length < 2 || shape[0] !== 1) {
      fail(`the input's shape is [${shape.join(', ')}]; ReLUscope reads a batch of one: [1, d] or [1, C, H, W]`);
    }
    this.inputShape = shape.slice(1);
    const d = elementCount(this.inputShape, 'the input');
    if (d < 2 || d > kNetLimits.maxInputDim)
      fail(`the input has ${d} elements; ReLUscope reads from 2 to ${kNetLimits.maxInputDim}`);
    if (this.inputShape.length !== 1 && this.inputShape.length !== 3) {
      fail(`the input's shape is [${shape.join(', ')}]; ReLUscope reads [1, d] and images [1, C, H, W]`);
    }
    this.values.set(input.name ?? '', { const: false, id: 0, shape });
  }

  run(nodes: NodeMessage[]): Graph {
    for (const node of nodes) {
      for (const name of node.input ?? []) this.readers.set(name, (this.readers.get(name) ?? 0) + 1);
    }
    for (const out of this.graph.output ?? []) this.readers.set(out.name ?? '', 2);
    for (const node of nodes) {
      this.node = node;
      this.lower(node);
    }
    const outName = this.graph.output?.[0]?.name ?? '';
    const out = this.values.get(outName);
    if (!out || out.const) fail(`the graph's output ${quoted(outName, 40)} is not computed from its input`);
    const inputDim = this.inputShape.reduce((a, b) => a * b, 1);
    const graph: Graph = { kind: 'graph', inputShape: this.inputShape, inputDim, ops: this.ops, output: out.id };
    if (!this.ops.some((op) => op.kind === 'relu' || op.kind === 'leakyRelu' || op.kind === 'maxPool')) {
      fail('the network has no ReLU, LeakyReLU or MaxPool: it is affine, with one region');
    }
    // Attributes (Gemm's alpha, value_float, a Pad's value) and sums of float64 weights can still be infinite or NaN.
    for (const op of this.ops) {
      const numbers =
        op.kind === 'dense'
          ? [op.layer.weight, op.layer.bias]
          : op.kind === 'conv'
            ? [op.kernel, op.bias]
            : op.kind === 'scale'
              ? [op.scale, op.shift]
              : op.kind === 'bias'
                ? [op.constant]
                : op.kind === 'pad'
                  ? [Float64Array.of(op.value)]
                  : [];
      for (const a of numbers) {
        const bad = a.find((v) => !Number.isFinite(v));
        if (bad !== undefined) fail(`node ${quoted(op.name, 60)} has a weight that is ${bad}, not a finite number`);
      }
    }
    return graph;
  }

  private emit(op: Op, shape: number[]): void {
    if (op.size > kOnnxLimits.tensorElements)
      fail(`${this.where()} makes a tensor of ${op.size} elements; at most ${kOnnxLimits.tensorElements}`);
    if (op.kind === 'relu' || op.kind === 'leakyRelu' || op.kind === 'maxPool') {
      this.units += op.kind === 'maxPool' ? op.size * op.window.kh * op.window.kw : op.size;
      if (this.units > kOnnxLimits.units) fail(`the network has more than ${kOnnxLimits.units} piecewise-linear units`);
    }
    this.ops.push(op);
    this.define({ const: false, id: this.ops.length, shape });
  }

  private image(v: Extract<Value, { const: false }>): ImageShape {
    if (v.shape.length !== 4) fail(`${this.where()} needs an image [1, C, H, W], its input is [${v.shape.join(', ')}]`);
    return [v.shape[1] ?? 0, v.shape[2] ?? 0, v.shape[3] ?? 0];
  }

  private get name(): string {
    return this.node.name || (this.node.output?.[0] ?? `node ${this.ops.length}`);
  }

  /** kernel_shape, strides, pads, dilations of a 2-D window; auto_pad NOTSET or VALID. */
  private window(kernel: [number, number] | null): Window2d {
    const k = intsAttr(this.node, 'kernel_shape') ?? kernel;
    if (k?.length !== 2) fail(`${this.where()}: only 2-D windows are read (kernel_shape of 2 numbers)`);
    const autoPad = new TextDecoder().decode(attr(this.node, 'auto_pad')?.s ?? new Uint8Array());
    if (autoPad !== '' && autoPad !== 'NOTSET' && autoPad !== 'VALID') {
      fail(`${this.where()}: auto_pad ${autoPad} is not read; export with explicit pads`);
    }
    if (intAttr(this.node, 'ceil_mode', 0) !== 0) fail(`${this.where()}: ceil_mode is not read (use ceil_mode=False)`);
    const strides = intsAttr(this.node, 'strides') ?? [1, 1];
    const pads = intsAttr(this.node, 'pads') ?? [0, 0, 0, 0];
    const dilations = intsAttr(this.node, 'dilations') ?? [1, 1];
    const positive = [...k, ...strides, ...dilations].every((n) => n >= 1 && n <= 4096);
    if (
      !positive ||
      strides.length !== 2 ||
      dilations.length !== 2 ||
      pads.length !== 4 ||
      pads.some((p) => p < 0 || p > 4096)
    ) {
      fail(`${this.where()}: kernel, strides, dilations must be 2 positive numbers and pads 4 non-negative ones`);
    }
    return {
      kh: k[0] ?? 1,
      kw: k[1] ?? 1,
      strides: [strides[0] ?? 1, strides[1] ?? 1],
      pads: [pads[0] ?? 0, pads[1] ?? 0, pads[2] ?? 0, pads[3] ?? 0],
      dilations: [dilations[0] ?? 1, dilations[1] ?? 1],
    };
  }

  private outShape(c: number, [, h, w]: ImageShape, win: Window2d): ImageShape {
    const oh = Math.floor((h + win.pads[0] + win.pads[2] - win.dilations[0] * (win.kh - 1) - 1) / win.strides[0]) + 1;
    const ow = Math.floor((w + win.pads[1] + win.pads[3] - win.dilations[1] * (win.kw - 1) - 1) / win.strides[1]) + 1;
    if (!(oh >= 1 && ow >= 1)) fail(`${this.where()}: the window is larger than the ${h} x ${w} image`);
    return [c, oh, ow];
  }

  private lower(node: NodeMessage): void {
    if (node.domain && node.domain !== 'ai.onnx')
      fail(`${this.where()} is from the domain ${quoted(node.domain, 40)}; ReLUscope reads ONNX's own operators`);
    const op = node.opType ?? '';
    switch (op) {
      case 'Constant':
        this.constant();
        return;
      case 'Identity':
      case 'Dropout':
        if (op === 'Dropout' && (node.output?.length ?? 0) > 1 && node.output?.[1])
          fail(`${this.where()}: its mask output is not read`);
        this.define(this.input(0));
        return;
      case 'Cast':
        this.define(this.input(0));
        return;
      case 'ConstantOfShape':
        this.constantOfShape();
        return;
      case 'Slice':
        this.slice();
        return;
      case 'Transpose':
        this.transpose();
        return;
      case 'Sub':
      case 'Mul':
      case 'Div':
        this.arithmetic(op);
        return;
      case 'Shape':
        this.shapeOf();
        return;
      case 'Gather':
        this.gather();
        return;
      case 'Unsqueeze':
      case 'Squeeze':
        this.squeeze(op === 'Unsqueeze');
        return;
      case 'Concat':
        this.concat();
        return;
      case 'Reshape':
      case 'Flatten':
        this.reshape(op === 'Flatten');
        return;
      case 'Gemm':
      case 'MatMul':
        this.dense(op === 'Gemm');
        return;
      case 'Add':
        this.add();
        return;
      case 'Conv':
        this.conv();
        return;
      case 'BatchNormalization':
        this.batchNorm();
        return;
      case 'Relu':
      case 'LeakyRelu': {
        const x = this.tensorInput(0);
        const size = this.sizeOf(x);
        if (op === 'Relu') {
          this.emit({ kind: 'relu', inputs: [x.id], size, name: this.name }, x.shape);
          return;
        }
        const alpha = attr(node, 'alpha')?.f ?? 0.01;
        if (!(alpha >= 0 && alpha < 1))
          fail(`${this.where()}: alpha ${alpha} is not in [0, 1): the function is not a leaky ReLU ReLUscope draws`);
        this.emit({ kind: 'leakyRelu', inputs: [x.id], size, name: this.name, alpha }, x.shape);
        return;
      }
      case 'MaxPool':
      case 'AveragePool':
      case 'GlobalAveragePool':
        this.pool(op);
        return;
      case 'Pad':
        this.pad();
        return;
      default:
        fail(`${this.where()} is not read; ReLUscope reads ${kOnnxOperators.join(', ')}`);
    }
  }

  private sizeOf(v: Extract<Value, { const: false }>): number {
    return v.shape.reduce((a, b) => a * b, 1);
  }

  private concat(): void {
    const inputs = (this.node.input ?? []).map((_, k) => this.input(k));
    const axis = intAttr(this.node, 'axis', 0);
    if (inputs.every((v) => v.const)) {
      const consts = inputs as Extract<Value, { const: true }>[];
      if (consts.some((c) => c.dims.length !== 1)) fail(`${this.where()}: only 1-D constants are concatenated at load`);
      this.charge(consts.reduce((s, c) => s + c.data.length, 0));
      const data = Float64Array.from(consts.flatMap((c) => Array.from(c.data)));
      this.define({ const: true, dims: [data.length], data });
      return;
    }
    const tensors = inputs.map((v, k) => {
      if (v.const) fail(`${this.where()}: input ${k} is a constant; only computed tensors are concatenated`);
      return v;
    });
    const first = tensors[0];
    if (!first) fail(`${this.where()} has no inputs`);
    const rank = first.shape.length;
    const ax = axis < 0 ? axis + rank : axis;
    const leading = first.shape.slice(0, ax).reduce((a, b) => a * b, 1);
    const sameRest = tensors.every(
      (t) => t.shape.length === rank && t.shape.every((d, i) => i === ax || d === first.shape[i]),
    );
    if (leading !== 1 || !sameRest)
      fail(`${this.where()}: only concatenations along the first non-batch axis (channels) are read`);
    const shape = [...first.shape];
    shape[ax] = tensors.reduce((s, t) => s + (t.shape[ax] ?? 0), 0);
    const size = tensors.reduce((s, t) => s + this.sizeOf(t), 0);
    this.emit({ kind: 'concat', inputs: tensors.map((t) => t.id), size, name: this.name }, shape);
  }

  private reshape(flatten: boolean): void {
    const v = this.input(0);
    const dims = v.const ? v.dims : v.shape;
    const count = dims.reduce((a, b) => a * b, 1);
    let shape: number[];
    if (flatten) {
      const axis = intAttr(this.node, 'axis', 1);
      const ax = axis < 0 ? axis + dims.length : axis;
      const head = dims.slice(0, ax).reduce((a, b) => a * b, 1);
      shape = [head, count / head];
    } else {
      const target = this.constInput(1, 'shape of a Reshape');
      shape = Array.from(target.data, (d, i) => (d === 0 ? (dims[i] ?? 0) : d));
      const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      shape = shape.map((d) => (d === -1 ? count / known : d));
    }
    if (shape.reduce((a, b) => a * b, 1) !== count || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      fail(`${this.where()}: cannot reshape [${dims.join(', ')}] to [${shape.join(', ')}]`);
    }
    if (v.const) {
      this.define({ const: true, dims: shape, data: v.data });
      return;
    }
    if (shape[0] !== 1) fail(`${this.where()}: the reshape changes the batch dimension ([${shape.join(', ')}])`);
    this.define({ const: false, id: v.id, shape });
  }

  private dense(gemm: boolean): void {
    const x = this.tensorInput(0);
    const b = this.constInput(1, 'weight of a Gemm or MatMul');
    const k = this.sizeOf(x);
    if (x.shape.slice(0, -1).some((d) => d !== 1) || x.shape.at(-1) !== k) {
      fail(`${this.where()}: its input [${x.shape.join(', ')}] must be a row [1, ${k}] (flatten it first)`);
    }
    const transB = gemm ? intAttr(this.node, 'transB', 0) : 0;
    if (gemm && intAttr(this.node, 'transA', 0) !== 0) fail(`${this.where()}: transA is not read`);
    if (b.dims.length !== 2) fail(`${this.where()}: the weight must be a matrix, it is [${b.dims.join(', ')}]`);
    const [r = 0, c = 0] = b.dims;
    const [inDim, outDim] = transB ? [c, r] : [r, c];
    if (inDim !== k) fail(`${this.where()}: the weight [${b.dims.join(', ')}] does not take the ${k} inputs`);
    const alpha = gemm ? (attr(this.node, 'alpha')?.f ?? 1) : 1;
    const beta = gemm ? (attr(this.node, 'beta')?.f ?? 1) : 1;
    this.charge(outDim * inDim + outDim);
    const weight = new Float64Array(outDim * inDim);
    for (let n = 0; n < outDim; n++) {
      for (let i = 0; i < inDim; i++)
        weight[n * inDim + i] = alpha * (b.data[transB ? n * inDim + i : i * outDim + n] ?? 0);
    }
    const bias = new Float64Array(outDim);
    const c0 = gemm ? this.optionalInput(2) : null;
    if (c0) {
      if (!c0.const) fail(`${this.where()}: the bias must be a constant`);
      if (c0.data.length !== 1 && c0.data.length !== outDim)
        fail(`${this.where()}: the bias has ${c0.data.length} values for ${outDim} outputs`);
      for (let n = 0; n < outDim; n++) bias[n] = beta * (c0.data[c0.data.length === 1 ? 0 : n] ?? 0);
    }
    const layer = { inDim, outDim, weight, bias };
    this.emit({ kind: 'dense', inputs: [x.id], size: outDim, name: this.name, layer }, [
      ...x.shape.slice(0, -1),
      outDim,
    ]);
  }

  private add(): void {
    const a = this.input(0);
    const b = this.input(1);
    if (a.const && b.const) {
      this.arithmetic('Add');
      return;
    }
    if (!a.const && !b.const) {
      if (a.shape.join() !== b.shape.join())
        fail(
          `${this.where()}: adds tensors of shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]; only equal shapes are added`,
        );
      this.emit({ kind: 'add', inputs: [a.id, b.id], size: this.sizeOf(a), name: this.name }, a.shape);
      return;
    }
    const [x, c] = (a.const ? [b, a] : [a, b]) as [Extract<Value, { const: false }>, Extract<Value, { const: true }>];
    const constant = this.broadcast(c, x.shape);
    // A bias after a dense op that nothing else reads is that op's bias (MatMul + Add is a Linear layer).
    const last = this.ops.at(-1);
    const xName = this.node.input?.[a.const ? 1 : 0] ?? '';
    if (
      last?.kind === 'dense' &&
      x.id === this.ops.length &&
      this.readers.get(xName) === 1 &&
      this.lastOutputOnlyHere(x.id)
    ) {
      const bias = last.layer.bias;
      for (let n = 0; n < bias.length; n++) bias[n] = (bias[n] ?? 0) + (constant[n] ?? 0);
      this.define(x);
      return;
    }
    this.emit({ kind: 'bias', inputs: [x.id], size: this.sizeOf(x), name: this.name, constant }, x.shape);
  }

  /** Whether tensor `id` is read by no value other than the current node's input (not yet used elsewhere). */
  private lastOutputOnlyHere(id: number): boolean {
    let names = 0;
    for (const v of this.values.values()) if (!v.const && v.id === id) names++;
    return names === 1;
  }

  /** A constant broadcast (numpy rules) to `shape`, flat. */
  private broadcast(c: Extract<Value, { const: true }>, shape: number[]): Float64Array {
    const rank = shape.length;
    const dims = [...Array(Math.max(0, rank - c.dims.length)).fill(1), ...c.dims];
    if (dims.length !== rank || dims.some((d, i) => d !== 1 && d !== shape[i])) {
      fail(`${this.where()}: a constant of shape [${c.dims.join(', ')}] does not broadcast to [${shape.join(', ')}]`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    this.charge(size);
    const out = new Float64Array(size);
    for (let k = 0; k < size; k++) {
      let rest = k;
      let index = 0;
      let stride = 1;
      for (let i = rank - 1; i >= 0; i--) {
        const n = shape[i] ?? 1;
        const coord = rest % n;
        rest = Math.floor(rest / n);
        if ((dims[i] ?? 1) !== 1) index += coord * stride;
        stride *= dims[i] ?? 1;
      }
      out[k] = c.data[index] ?? 0;
    }
    return out;
  }

  private conv(): void {
    const x = this.tensorInput(0);
    const inShape = this.image(x);
    const w = this.constInput(1, 'kernel of a Conv');
    if (w.dims.length !== 4) fail(`${this.where()}: only 2-D convolutions are read (kernel [${w.dims.join(', ')}])`);
    const [co = 0, cig = 0, kh = 0, kw = 0] = w.dims;
    const groups = intAttr(this.node, 'group', 1);
    if (groups < 1 || inShape[0] !== cig * groups || co % groups !== 0) {
      fail(
        `${this.where()}: a kernel [${w.dims.join(', ')}] in ${groups} groups does not fit ${inShape[0]} input channels`,
      );
    }
    const window = this.window([kh, kw]);
    if (window.kh !== kh || window.kw !== kw) fail(`${this.where()}: kernel_shape disagrees with the kernel`);
    const outShape = this.outShape(co, inShape, window);
    const b = this.optionalInput(2);
    if (b && (!b.const || b.data.length !== co)) fail(`${this.where()}: the bias must be a constant of ${co} values`);
    if (!b) this.charge(co);
    const bias = b?.const ? b.data : new Float64Array(co);
    const size = outShape[0] * outShape[1] * outShape[2];
    const op: Op = {
      kind: 'conv',
      inputs: [x.id],
      size,
      name: this.name,
      inShape,
      outShape,
      window,
      groups,
      kernel: w.data,
      bias,
    };
    this.emit(op, [1, ...outShape]);
  }

  private batchNorm(): void {
    if (intAttr(this.node, 'training_mode', 0) !== 0 || (this.node.output?.filter(Boolean).length ?? 1) > 1) {
      fail(`${this.where()} is in training mode: export the model after model.eval()`);
    }
    const x = this.tensorInput(0);
    const [scale, shift, mean, variance] = [1, 2, 3, 4].map((k) =>
      this.constInput(k, 'parameters of a BatchNormalization'),
    );
    const c = x.shape[1] ?? 0;
    if ([scale, shift, mean, variance].some((p) => p?.data.length !== c))
      fail(`${this.where()}: its parameters do not have ${c} channels`);
    const eps = attr(this.node, 'epsilon')?.f ?? 1e-5;
    this.charge(2 * c);
    const s = new Float64Array(c);
    const t = new Float64Array(c);
    for (let k = 0; k < c; k++) {
      const inv = 1 / Math.sqrt((variance?.data[k] ?? 0) + eps);
      if (!Number.isFinite(inv)) fail(`${this.where()}: channel ${k}'s variance + epsilon is not positive`);
      s[k] = (scale?.data[k] ?? 0) * inv;
      t[k] = (shift?.data[k] ?? 0) - (mean?.data[k] ?? 0) * (s[k] ?? 0);
    }
    const size = this.sizeOf(x);
    const op: Op = {
      kind: 'scale',
      inputs: [x.id],
      size,
      name: this.name,
      channelSize: size / Math.max(1, c),
      scale: s,
      shift: t,
    };
    this.emit(op, x.shape);
  }

  private pool(kind: 'MaxPool' | 'AveragePool' | 'GlobalAveragePool'): void {
    const x = this.tensorInput(0);
    const inShape = this.image(x);
    if (kind === 'MaxPool' && (this.node.output?.length ?? 1) > 1 && this.node.output?.[1])
      fail(`${this.where()}: its indices output is not read`);
    const window: Window2d =
      kind === 'GlobalAveragePool'
        ? { kh: inShape[1], kw: inShape[2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1] }
        : this.window(null);
    if (
      window.pads[0] >= window.kh ||
      window.pads[1] >= window.kw ||
      window.pads[2] >= window.kh ||
      window.pads[3] >= window.kw
    ) {
      fail(`${this.where()}: pads as large as the window leave windows of padding only`);
    }
    const outShape = this.outShape(inShape[0], inShape, window);
    const size = outShape[0] * outShape[1] * outShape[2];
    const base = { inputs: [x.id], size, name: this.name, inShape, outShape, window };
    if (kind === 'MaxPool') {
      this.emit({ kind: 'maxPool', ...base }, [1, ...outShape]);
      return;
    }
    const countIncludePad = kind === 'AveragePool' && intAttr(this.node, 'count_include_pad', 0) !== 0;
    this.emit({ kind: 'avgPool', ...base, countIncludePad }, [1, ...outShape]);
  }

  private pad(): void {
    const x = this.tensorInput(0);
    const inShape = this.image(x);
    const mode = new TextDecoder().decode(attr(this.node, 'mode')?.s ?? new TextEncoder().encode('constant'));
    if (mode !== 'constant') fail(`${this.where()}: only constant padding is read (mode ${quoted(mode, 20)})`);
    const pads =
      this.opset >= 11 ? Array.from(this.constInput(1, 'pads of a Pad').data) : (intsAttr(this.node, 'pads') ?? []);
    const valueInput = this.opset >= 11 ? this.optionalInput(2) : null;
    if (valueInput && !valueInput.const) fail(`${this.where()}: the pad value must be a constant`);
    const value = valueInput?.const ? (valueInput.data[0] ?? 0) : (attr(this.node, 'value')?.f ?? 0);
    if (pads.length !== 8 || pads.some((p) => p < 0 || p > 4096) || pads[0] !== 0 || pads[4] !== 0) {
      fail(`${this.where()}: pads [${pads.join(', ')}] are not read (8 non-negative numbers, none on the batch)`);
    }
    const [, cb = 0, top = 0, left = 0, , ce = 0, bottom = 0, right = 0] = pads;
    const outShape: ImageShape = [inShape[0] + cb + ce, inShape[1] + top + bottom, inShape[2] + left + right];
    const size = outShape[0] * outShape[1] * outShape[2];
    const op: Op = {
      kind: 'pad',
      inputs: [x.id],
      size,
      name: this.name,
      inShape,
      outShape,
      channelBefore: cb,
      top,
      left,
      value,
    };
    this.emit(op, [1, ...outShape]);
  }
}
