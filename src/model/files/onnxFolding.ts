/**
 * The values of an ONNX graph as the reader meets them, node by node (each must be defined before it is read), and
 * the nodes folded at load: constants and the shape arithmetic torch emits around `view`, `flatten` and `ZeroPad2d`
 * (Constant, ConstantOfShape, Shape, Gather, Unsqueeze, Squeeze, Slice, Transpose, and Add/Sub/Mul/Div of
 * constants). Every element made here is counted against kOnnxLimits.foldedElements first. onnx.ts's Lowering
 * extends it with the network's operations.
 */
import { quoted } from '../quote.ts';
import {
  attr,
  describeNode,
  elementCount,
  fail,
  intAttr,
  integer,
  intsAttr,
  kOnnxLimits,
  type NodeMessage,
  readTensor,
  stridesOf,
  type Value,
} from './onnxTensors.ts';

export abstract class NodeReader {
  protected readonly values = new Map<string, Value>();
  /** How many node inputs (and graph outputs) name each value. */
  protected readonly readers = new Map<string, number>();
  protected folded = 0;
  protected node: NodeMessage = {};

  constructor(protected readonly opset: number) {}

  protected where(): string {
    return describeNode(this.node);
  }

  /** Counts `elements` about to be allocated: a small file must not make the reader allocate without bound. */
  protected charge(elements: number): void {
    this.folded += elements;
    if (this.folded > kOnnxLimits.foldedElements)
      fail(`${this.where()}: the constants made at load exceed ${kOnnxLimits.foldedElements} elements`);
  }

  protected input(k: number): Value {
    const name = this.node.input?.[k] ?? '';
    const value = this.values.get(name);
    if (!value) {
      fail(
        `${this.where()} reads ${quoted(name, 60)} before any node writes it: the graph is not a DAG in topological order`,
      );
    }
    return value;
  }

  protected optionalInput(k: number): Value | null {
    const name = this.node.input?.[k] ?? '';
    return name === '' ? null : this.input(k);
  }

  protected tensorInput(k: number): Extract<Value, { const: false }> {
    const v = this.input(k);
    if (v.const) fail(`${this.where()}: input ${k} must be computed from the network's input, it is a constant`);
    return v;
  }

  protected constInput(k: number, what: string): Extract<Value, { const: true }> {
    const v = this.input(k);
    if (!v.const) fail(`${this.where()}: the ${what} must be a constant (an initializer), not computed`);
    return v;
  }

  protected define(value: Value, k = 0): void {
    const name = this.node.output?.[k];
    if (name === undefined) fail(`${this.where()} has no output`);
    if (this.values.has(name))
      fail(`${this.where()} writes ${quoted(name, 60)}, which another node or weight already is`);
    this.values.set(name, value);
  }

  /** Appends a network op; its output tensor gets `shape` (batch first). */

  protected constant(): void {
    const a = this.node.attribute?.[0];
    if (!a) fail(`${this.where()} has no value`);
    if (a.name === 'value' && a.t) {
      const tensor = readTensor(a.t, this.where());
      this.charge(tensor.data.length);
      this.define({ const: true, ...tensor });
      return;
    }
    if (a.name === 'value_float') {
      this.define({ const: true, dims: [], data: Float64Array.of(a.f ?? 0) });
      return;
    }
    if (a.name === 'value_int') {
      this.define({ const: true, dims: [], data: Float64Array.of(integer(a.i ?? 0, 'value_int')) });
      return;
    }
    if (a.name === 'value_ints' || a.name === 'value_floats') {
      const list = (a.name === 'value_ints' ? a.ints : a.floats) ?? [];
      this.charge(list.length);
      this.define({ const: true, dims: [list.length], data: Float64Array.from(list, (v) => Number(String(v))) });
      return;
    }
    fail(`${this.where()}: a constant of attribute ${quoted(a.name ?? '', 30)} is not read`);
  }

  protected constantOfShape(): void {
    const shape = this.constInput(0, 'shape of a ConstantOfShape');
    const dims = Array.from(shape.data);
    const count = elementCount(dims, this.where());
    const t = attr(this.node, 'value')?.t;
    const value = t ? (readTensor(t, this.where()).data[0] ?? 0) : 0;
    this.charge(count);
    const data = new Float64Array(count);
    if (value !== 0) data.fill(value);
    this.define({ const: true, dims, data });
  }

  /** Slice of a constant (shape arithmetic only): starts, ends, axes, steps as inputs (opset >= 10) or attributes. */
  protected slice(): void {
    const v = this.constInput(0, 'data of a Slice (only shape arithmetic is folded)');
    const list = (k: number, name: string): number[] | null => {
      if (this.opset < 10) return intsAttr(this.node, name);
      const c = this.optionalInput(k);
      if (c && !c.const) fail(`${this.where()}: ${name} must be constants`);
      return c ? Array.from(c.data) : null;
    };
    const starts = list(1, 'starts') ?? [];
    const ends = list(2, 'ends') ?? [];
    const axes = list(3, 'axes') ?? starts.map((_, i) => i);
    const steps = list(4, 'steps') ?? starts.map(() => 1);
    const rank = v.dims.length;
    const begin = v.dims.map(() => 0);
    const step = v.dims.map(() => 1);
    const count = [...v.dims];
    axes.forEach((axis, i) => {
      const a = axis < 0 ? axis + rank : axis;
      const n = v.dims[a] ?? 0;
      const st = steps[i] ?? 1;
      if (st === 0 || a < 0 || a >= rank) fail(`${this.where()}: axis ${axis} or step ${st} is out of range`);
      const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x < 0 ? x + n : x));
      const s0 = st > 0 ? clamp(starts[i] ?? 0, 0, n) : clamp(starts[i] ?? 0, -1, n - 1);
      const e0 = st > 0 ? clamp(ends[i] ?? n, 0, n) : clamp(ends[i] ?? -n - 1, -1, n - 1);
      begin[a] = s0;
      step[a] = st;
      count[a] = Math.max(0, Math.ceil((e0 - s0) / st));
    });
    const inStrides = stridesOf(v.dims);
    const outStrides = stridesOf(count);
    const elements = elementCount(count, this.where());
    this.charge(elements);
    const data = new Float64Array(elements);
    for (let k = 0; k < data.length; k++) {
      let index = 0;
      count.forEach((_, d) => {
        const coord = Math.floor(k / (outStrides[d] ?? 1)) % (count[d] ?? 1);
        index += ((begin[d] ?? 0) + coord * (step[d] ?? 1)) * (inStrides[d] ?? 1);
      });
      data[k] = v.data[index] ?? 0;
    }
    this.define({ const: true, dims: count, data });
  }

  protected transpose(): void {
    const v = this.constInput(0, 'data of a Transpose (only shape arithmetic is folded)');
    const rank = v.dims.length;
    const perm = intsAttr(this.node, 'perm') ?? v.dims.map((_, i) => rank - 1 - i);
    if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
      fail(`${this.where()}: perm [${perm.join(', ')}] is not a permutation`);
    const dims = perm.map((p) => v.dims[p] ?? 1);
    const inStrides = stridesOf(v.dims);
    const outStrides = stridesOf(dims);
    this.charge(v.data.length);
    const data = new Float64Array(v.data.length);
    for (let k = 0; k < data.length; k++) {
      let index = 0;
      dims.forEach((n, d) => {
        index += (Math.floor(k / (outStrides[d] ?? 1)) % n) * (inStrides[perm[d] ?? 0] ?? 1);
      });
      data[k] = v.data[index] ?? 0;
    }
    this.define({ const: true, dims, data });
  }

  /** Elementwise arithmetic of constants of one shape or with a scalar (shape arithmetic only). */
  protected arithmetic(op: 'Add' | 'Sub' | 'Mul' | 'Div'): void {
    const a = this.constInput(0, `operands of ${op} (ReLUscope folds ${op} of constants only)`);
    const b = this.constInput(1, `operands of ${op} (ReLUscope folds ${op} of constants only)`);
    const [big, small] = a.data.length >= b.data.length ? [a, b] : [b, a];
    if (small.data.length !== 1 && small.data.length !== big.data.length)
      fail(`${this.where()}: constants of shapes [${a.dims.join(', ')}] and [${b.dims.join(', ')}] are not folded`);
    const at = (c: Extract<Value, { const: true }>, k: number): number => c.data[c.data.length === 1 ? 0 : k] ?? 0;
    this.charge(big.data.length);
    const data = big.data.map((_, k) => {
      const [x, y] = [at(a, k), at(b, k)];
      return op === 'Add' ? x + y : op === 'Sub' ? x - y : op === 'Mul' ? x * y : y === 0 ? Number.NaN : x / y;
    });
    if (data.some((x) => !Number.isFinite(x))) fail(`${this.where()}: the folded ${op} is not finite`);
    this.define({ const: true, dims: big.dims, data });
  }

  protected shapeOf(): void {
    const v = this.input(0);
    const dims = v.const ? v.dims : v.shape;
    this.define({ const: true, dims: [dims.length], data: Float64Array.from(dims) });
  }

  protected gather(): void {
    const data = this.constInput(0, 'data of a Gather');
    const indices = this.constInput(1, 'indices of a Gather');
    if (intAttr(this.node, 'axis', 0) !== 0 || data.dims.length !== 1)
      fail(`${this.where()}: only gathers from a 1-D constant are read`);
    const n = data.data.length;
    this.charge(indices.data.length);
    const out = indices.data.map((i) => {
      const k = i < 0 ? i + n : i;
      if (!(k >= 0 && k < n)) fail(`${this.where()}: index ${i} is out of range`);
      return data.data[k] ?? 0;
    });
    this.define({ const: true, dims: indices.dims, data: out });
  }

  protected squeeze(unsqueeze: boolean): void {
    const v = this.constInput(
      0,
      `input of ${unsqueeze ? 'an Unsqueeze' : 'a Squeeze'} (only shape arithmetic is folded)`,
    );
    const axes = intsAttr(this.node, 'axes') ?? (this.optionalInput(1) as Extract<Value, { const: true }> | null)?.data;
    const dims = [...v.dims];
    if (unsqueeze) {
      const rank = dims.length + (axes?.length ?? 0);
      const sorted = [...(axes ?? [])].map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
      for (const a of sorted) dims.splice(a, 0, 1);
    } else {
      const drop = new Set(
        [...(axes ?? dims.map((_, i) => i).filter((i) => dims[i] === 1))].map((a) => (a < 0 ? a + dims.length : a)),
      );
      this.define({ const: true, dims: dims.filter((_, i) => !drop.has(i)), data: v.data });
      return;
    }
    this.define({ const: true, dims, data: v.data });
  }
}
