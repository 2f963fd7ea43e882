/**
 * PyTorch files written by hand, as torch.save(state_dict, path) writes them (there is no PyTorch here): a zip of
 * NAME/data.pkl (a protocol-2 pickle of an OrderedDict of _rebuild_tensor_v2 calls), NAME/data/KEY (the storages)
 * and NAME/version. Every piece can be replaced, to make the hostile files the tests need.
 */

import { crc32 } from '../../src/model/files/zip.ts';
import type { Net } from '../../src/model/net.ts';

const encoder = new TextEncoder();

function u16(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff];
}

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

export interface ZipFile {
  readonly name: string;
  readonly data: Uint8Array;
  /** 0 (stored) unless set; the data are written as given either way. */
  readonly method?: number;
}

/** A zip archive of `files`, each stored whole, with a central directory and an end record. */
export function zipOf(files: readonly ZipFile[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const central: number[] = [];
  let offset = 0;
  for (const { name, data, method = 0 } of files) {
    const nameBytes = [...encoder.encode(name)];
    const crc = crc32(data);
    const common = [...u16(method), 0, 0, 0, 0, ...u32(crc), ...u32(data.length), ...u32(data.length)];
    const local = Uint8Array.from([
      ...[...u32(0x04034b50), ...u16(20), ...u16(0), ...common, ...u16(nameBytes.length), ...u16(0)],
      ...nameBytes,
    ]);
    parts.push(local, data);
    central.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...common);
    central.push(...u16(nameBytes.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset));
    central.push(...nameBytes);
    offset += local.length + data.length;
  }
  const end = [...u32(0x06054b50), 0, 0, 0, 0, ...u16(files.length), ...u16(files.length)];
  end.push(...u32(central.length), ...u32(offset), ...u16(0));
  parts.push(Uint8Array.from(central), Uint8Array.from(end));
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** Pickle opcodes, each as bytes. */
export const op = {
  proto: (n = 2) => [0x80, n],
  global: (module: string, name: string) => [0x63, ...encoder.encode(`${module}\n${name}\n`)],
  str: (s: string) => {
    const bytes = encoder.encode(s);
    return [0x58, ...u32(bytes.length), ...bytes];
  },
  int: (n: number) => (n >= 0 && n < 256 ? [0x4b, n] : n >= 0 && n < 65536 ? [0x4d, ...u16(n)] : [0x4a, ...u32(n)]),
  mark: [0x28],
  tuple: [0x74],
  tuple1: [0x85],
  emptyTuple: [0x29],
  reduce: [0x52],
  persid: [0x51],
  false: [0x89],
  setitems: [0x75],
  stop: [0x2e],
} as const;

export type StorageClass = 'FloatStorage' | 'DoubleStorage' | 'HalfStorage' | 'BFloat16Storage';

/** One state_dict entry: a view of a storage. */
export interface TensorEntry {
  readonly key: string;
  readonly storage: string;
  readonly storageClass: StorageClass;
  readonly numel: number;
  readonly offset: number;
  readonly size: readonly number[];
  readonly stride: readonly number[];
}

/** The opcodes of one `key: _rebuild_tensor_v2(...)` pair. */
export function tensorOps(t: TensorEntry): number[] {
  const pid = [...op.mark, ...op.str('storage'), ...op.global('torch', t.storageClass), ...op.str(t.storage)];
  pid.push(...op.str('cpu'), ...op.int(t.numel), ...op.tuple);
  const ints = (values: readonly number[]) => [...op.mark, ...values.flatMap(op.int), ...op.tuple];
  const hooks = [...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce];
  return [
    ...op.str(t.key),
    ...op.global('torch._utils', '_rebuild_tensor_v2'),
    ...[...op.mark, ...pid, ...op.persid, ...op.int(t.offset), ...ints(t.size), ...ints(t.stride), ...op.false],
    ...[...hooks, ...op.tuple, ...op.reduce],
  ];
}

/** A protocol-2 pickle of an OrderedDict of these tensors, in this order. */
export function stateDictPickle(tensors: readonly TensorEntry[]): Uint8Array {
  const head = [...op.proto(), ...op.global('collections', 'OrderedDict'), ...op.emptyTuple, ...op.reduce];
  return Uint8Array.from([...head, ...op.mark, ...tensors.flatMap(tensorOps), ...op.setitems, ...op.stop]);
}

const kStorageBytes: Record<StorageClass, number> = {
  FloatStorage: 4,
  DoubleStorage: 8,
  HalfStorage: 2,
  BFloat16Storage: 2,
};

/** Values as a storage's raw little-endian bytes (float32 or float64). */
export function storageBytes(values: ArrayLike<number>, storageClass: 'FloatStorage' | 'DoubleStorage'): Uint8Array {
  const size = kStorageBytes[storageClass];
  const bytes = new Uint8Array(values.length * size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    if (size === 4) view.setFloat32(i * size, values[i] ?? 0, true);
    else view.setFloat64(i * size, values[i] ?? 0, true);
  }
  return bytes;
}

/** A torch.save file from a pickle and its storages (by key), under the archive name `name`. */
export function torchZip(pickle: Uint8Array, storages: ReadonlyMap<string, Uint8Array>, name = 'archive'): Uint8Array {
  return zipOf([
    { name: `${name}/data.pkl`, data: pickle },
    ...[...storages].map(([key, data]) => ({ name: `${name}/data/${key}`, data })),
    { name: `${name}/version`, data: encoder.encode('3\n') },
  ]);
}

/** Named tensors (row-major, contiguous) as a torch.save'd state_dict, one storage each. */
export function torchFileOf(
  tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: ArrayLike<number> }>,
  storageClass: 'FloatStorage' | 'DoubleStorage' = 'FloatStorage',
): Uint8Array {
  const entries: TensorEntry[] = [];
  const storages = new Map<string, Uint8Array>();
  for (const [key, { shape, data }] of tensors) {
    const storage = String(entries.length);
    const stride = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
    entries.push({ key, storage, storageClass, numel: data.length, offset: 0, size: shape, stride });
    storages.set(storage, storageBytes(data, storageClass));
  }
  return torchZip(stateDictPickle(entries), storages);
}

/** A net as PyTorch's nn.Sequential state_dict ("0.weight", "0.bias", "2.weight", ...). */
export function netTensors(net: Net): Map<string, { shape: number[]; data: Float64Array }> {
  const layers = [...net.hidden, ...(net.output ? [net.output] : [])];
  return new Map(
    layers.flatMap((layer, i) => [
      [`${2 * i}.weight`, { shape: [layer.outDim, layer.inDim], data: layer.weight }],
      [`${2 * i}.bias`, { shape: [layer.outDim], data: layer.bias }],
    ]),
  );
}

/** A net as a .pt file, as torch.save(model.state_dict()) writes it (float32 unless asked for float64). */
export function torchFileOfNet(net: Net, storageClass: 'FloatStorage' | 'DoubleStorage' = 'FloatStorage'): Uint8Array {
  return torchFileOf(netTensors(net), storageClass);
}
