/**
 * PyTorch state_dict files, as torch.save(model.state_dict(), path) writes them (PyTorch 1.6 and later): a zip of
 * NAME/data.pkl, a pickle of an OrderedDict from names to
 *   torch._utils._rebuild_tensor_v2(persistent_load(('storage', torch.FloatStorage, KEY, 'cpu', NUMEL)),
 *                                   offset, size, stride, requires_grad, OrderedDict())
 * and NAME/data/KEY, each storage's raw little-endian values. The pickle is read by the restricted unpickler
 * (pickle.ts) with the few globals such a file names; nothing in it is executed. Each tensor is rebuilt from its
 * storage, offset and strides, bounds-checked, widened to float64, and the names map to layers as in netTensors.ts.
 */

import { counted } from '../format.ts';
import { kNetLimits } from '../limits.ts';
import type { Net } from '../net.ts';
import { escaped, quoted } from '../quote.ts';
import { netFromTensors } from './netTensors.ts';
import {
  describeValue,
  PickleDict,
  PickleGlobal,
  PickleOpaque,
  PickleTuple,
  type PickleValue,
  unpickle,
} from './pickle.ts';
import { type FloatDtype, kDtypeBytes, readValues } from './safetensors.ts';
import { openZip, type ZipArchive } from './zip.ts';

export class TorchFileError extends Error {}

function fail(message: string): never {
  throw new TorchFileError(message);
}

/** Why the unpickler refuses every other global. */
export const kTorchPurpose = 'ReLUscope reads only a weights-only state_dict';

/**
 * The most values all tensors may hold together: a net's weights and its biases (memory is bounded before a tensor is
 * made, even one that repeats a single stored value with stride 0).
 */
const kMaxElements = kNetLimits.maxWeights + kNetLimits.maxDepth * kNetLimits.maxWidth + 2 ** 20;

/** The storage classes read, and their element types. */
const kStorageDtypes: Readonly<Record<string, FloatDtype>> = {
  'torch.FloatStorage': 'F32',
  'torch.DoubleStorage': 'F64',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
};

const kDtypeNames: Readonly<Record<FloatDtype, string>> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
};

/** A storage named by a persistent id: the entry NAME/data/KEY holds its `numel` values. */
class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: FloatDtype,
    readonly numel: number,
  ) {}
}

/** "4 float32 values", "1 float64 value". */
function sizeOf(storage: StorageRef): string {
  return counted(storage.numel, `${kDtypeNames[storage.dtype]} value`);
}

/** A tensor as _rebuild_tensor_v2 describes it: a view of a storage (read once all the names are known). */
class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

function isCount(value: PickleValue): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function counts(value: PickleValue, what: string): number[] {
  if (!(value instanceof PickleTuple) || value.items.length > 8 || !value.items.every(isCount)) {
    fail(`_rebuild_tensor_v2's ${what} is ${describeValue(value)}, not a tuple of up to 8 non-negative integers`);
  }
  return value.items as number[];
}

function rebuildTensor(args: readonly PickleValue[]): PickleValue {
  const [storage, offset, size, stride, requiresGrad, hooks, metadata = null] = args;
  if (args.length < 6 || args.length > 7)
    fail(`_rebuild_tensor_v2 with ${counted(args.length, 'argument')}, expected 6`);
  if (!(storage instanceof PickleOpaque && storage.value instanceof StorageRef)) {
    fail(`_rebuild_tensor_v2's storage is ${describeValue(storage ?? null)}, not a storage`);
  }
  if (!isCount(offset ?? null)) fail(`_rebuild_tensor_v2's storage offset is ${describeValue(offset ?? null)}`);
  const shape = counts(size ?? null, 'size');
  const strides = counts(stride ?? null, 'stride');
  if (shape.length !== strides.length) fail(`_rebuild_tensor_v2's size [${shape}] and stride [${strides}] differ`);
  if (typeof requiresGrad !== 'boolean') fail("_rebuild_tensor_v2's requires_grad is not a bool");
  if (!(hooks instanceof PickleDict) || !(metadata === null || metadata instanceof PickleDict)) {
    fail("_rebuild_tensor_v2's backward hooks or metadata are not dicts");
  }
  return new PickleOpaque(new TensorRef(storage.value, offset as number, shape, strides));
}

/** _rebuild_parameter(data, requires_grad, backward_hooks): an nn.Parameter is its tensor here. */
function rebuildParameter(args: readonly PickleValue[]): PickleValue {
  const [data] = args;
  if (args.length !== 3 || !(data instanceof PickleOpaque && data.value instanceof TensorRef)) {
    fail('_rebuild_parameter without a tensor');
  }
  return data;
}

function orderedDict(args: readonly PickleValue[]): PickleValue {
  if (args.length !== 0)
    fail(`OrderedDict called with ${counted(args.length, 'argument')}; a state_dict calls it with none`);
  return new PickleDict();
}

/** The globals a weights-only state_dict names: nothing else is even looked up. */
export const kTorchGlobals: ReadonlyMap<string, ((args: readonly PickleValue[]) => PickleValue) | null> = new Map<
  string,
  ((args: readonly PickleValue[]) => PickleValue) | null
>([
  ['collections.OrderedDict', orderedDict],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ...Object.keys(kStorageDtypes).map((name) => [name, null] as const),
]);

/**
 * persistent_load(('storage', StorageClass, key, location, numel)) for one file: every reference to a key must name
 * the same type and size (PyTorch refuses a file where they differ), so a tensor is never read past its storage's
 * bytes.
 */
function storageLoader(): (id: PickleValue) => PickleValue {
  const seen = new Map<string, StorageRef>();
  return (id) => {
    const storage = readStorageId(id);
    const first = seen.get(storage.key) ?? storage;
    if (first.dtype !== storage.dtype || first.numel !== storage.numel) {
      fail(
        `storage ${quoted(storage.key)} is named as ${sizeOf(first)} and as ${sizeOf(storage)}: ` +
          'a storage has one type and size',
      );
    }
    seen.set(storage.key, first);
    return new PickleOpaque(first);
  };
}

function readStorageId(id: PickleValue): StorageRef {
  const [kind, type, key, location, numel] = id instanceof PickleTuple ? id.items : [];
  if (!(id instanceof PickleTuple) || id.items.length !== 5 || kind !== 'storage') {
    fail(`a persistent id that is ${describeValue(id)}, not ('storage', type, key, location, numel)`);
  }
  const dtype = type instanceof PickleGlobal ? kStorageDtypes[type.name] : undefined;
  if (!dtype) fail(`a storage of type ${describeValue(type ?? null)}: only float storages are read`);
  if (typeof key !== 'string' || !/^[\w.-]{1,64}$/.test(key)) fail(`a storage key ${describeValue(key ?? null)}`);
  if (typeof location !== 'string') fail(`storage ${key}: its location is ${describeValue(location ?? null)}`);
  if (!isCount(numel ?? null)) fail(`storage ${key}: its size is ${describeValue(numel ?? null)}`);
  return new StorageRef(key, dtype, numel as number);
}

/** The archive's one NAME/data.pkl, and NAME. */
function findPickle(archive: ZipArchive): string {
  const names = [...archive.entries.keys()].filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  const [name] = names;
  if (names.length !== 1 || name === undefined) {
    fail(`${names.length} NAME/data.pkl entries in the zip; a file written by torch.save has one`);
  }
  return name.slice(0, -'/data.pkl'.length);
}

/** Whether the strides are those of a dense row-major tensor of this size (dimensions of 1 may have any stride). */
function isRowMajor(size: readonly number[], stride: readonly number[]): boolean {
  let step = 1;
  for (let d = size.length - 1; d >= 0; d--) {
    if (size[d] !== 1 && stride[d] !== step) return false;
    step *= size[d] ?? 0;
  }
  return true;
}

/** The tensor's values in row-major order, read through its offset and strides. */
function tensorValues(
  where: string,
  tensor: TensorRef,
  archive: ZipArchive,
  prefix: string,
  storages: Map<string, Float64Array>,
  budget: number,
): Float64Array {
  const { storage, offset, size, stride } = tensor;
  let count = 1;
  for (const d of size) {
    count *= d;
    if (count > budget) fail(`${where} has over ${budget} elements, more than a net may have (${kMaxElements} in all)`);
  }
  const last = offset + size.reduce((sum, d, i) => sum + (d - 1) * (stride[i] ?? 0), 0);
  if (count > 0 && last >= storage.numel) {
    fail(
      `${where}: size [${size.join(', ')}], stride [${stride.join(', ')}] at offset ${offset} reach element ${last} ` +
        `of a storage of ${storage.numel}`,
    );
  }
  let values = storages.get(storage.key);
  if (!values) {
    const name = `${prefix}/data/${storage.key}`;
    const bytes = archive.read(name);
    const needed = storage.numel * kDtypeBytes[storage.dtype];
    if (bytes.byteLength !== needed) {
      fail(
        `${where}: its storage ${quoted(name, 80)} has ${counted(bytes.byteLength, 'byte')}; ` +
          `${sizeOf(storage)} need${storage.numel === 1 ? 's' : ''} ${needed}`,
      );
    }
    values = readValues(
      new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      storage.dtype,
      0,
      storage.numel,
    );
    storages.set(storage.key, values);
  }
  if (isRowMajor(size, stride)) return values.slice(offset, offset + count);
  const out = new Float64Array(count);
  const index = new Array<number>(size.length).fill(0);
  let at = offset;
  for (let i = 0; i < count; i++) {
    out[i] = values[at] ?? 0;
    // Advance the multi-index, last dimension fastest.
    for (let d = size.length - 1; d >= 0; d--) {
      const s = stride[d] ?? 0;
      if ((index[d] ?? 0) + 1 < (size[d] ?? 0)) {
        index[d] = (index[d] ?? 0) + 1;
        at += s;
        break;
      }
      at -= (index[d] ?? 0) * s;
      index[d] = 0;
    }
  }
  return out;
}

/** The named tensors of a torch.save'd state_dict, in its order, widened to float64. */
export function torchTensors(bytes: Uint8Array): Map<string, { shape: readonly number[]; data: Float64Array }> {
  const archive = openZip(bytes);
  const prefix = findPickle(archive);
  const byteorder = archive.entries.has(`${prefix}/byteorder`) ? archive.read(`${prefix}/byteorder`) : null;
  if (byteorder && new TextDecoder().decode(byteorder) !== 'little') fail('a big-endian file: not read');
  const root = unpickle(archive.read(`${prefix}/data.pkl`), {
    globals: kTorchGlobals,
    persistentLoad: storageLoader(),
    purpose: kTorchPurpose,
  });
  if (!(root instanceof PickleDict)) {
    fail(`the pickle holds ${describeValue(root)}, not a state_dict: save model.state_dict()`);
  }
  const tensors = new Map<string, { shape: readonly number[]; data: Float64Array }>();
  const storages = new Map<string, Float64Array>();
  let total = 0;
  for (const [key, value] of root.map) {
    const where = `tensor ${describeValue(key)}`;
    if (typeof key !== 'string') fail(`the state_dict has a key ${describeValue(key)}, not a name`);
    // Names go into messages as they are (netTensors.ts): none may carry terminal escapes.
    if (escaped(key, key.length) !== key) fail(`the state_dict has a key with invisible characters, ${where}`);
    if (!(value instanceof PickleOpaque && value.value instanceof TensorRef)) {
      fail(`${quoted(key, 80)} is ${describeValue(value)}, not a tensor: save model.state_dict()`);
    }
    const data = tensorValues(where, value.value, archive, prefix, storages, kMaxElements - total);
    total += data.length;
    tensors.set(key, { shape: value.value.size, data });
  }
  return tensors;
}

/** The net a torch.save'd state_dict of an nn.Sequential of Linear and ReLU (or named Linears) holds. */
export function netFromTorch(bytes: Uint8Array): Net {
  return netFromTensors(torchTensors(bytes), { sorted: false, hasOutput: true });
}
