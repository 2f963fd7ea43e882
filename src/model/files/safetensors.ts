/**
 * The safetensors format (https://github.com/huggingface/safetensors): 8 bytes of little-endian header length N,
 * N bytes of JSON header { "NAME": { "dtype": "F32", "shape": [..], "data_offsets": [begin, end] }, ...,
 * "__metadata__": { "key": "value" } }, then the raw little-endian data, offsets relative to its start.
 * Reading treats the file as hostile: the header's length and every offset are checked against the file, each
 * tensor's byte length must be its shape's element count times its dtype's size, ranges may not overlap, a key may not
 * be named twice, and the header is capped. Values are returned in float64 (exact for every float dtype read here).
 */

import { counted } from '../format.ts';
import { escaped, quoted } from '../quote.ts';

export class SafetensorsError extends Error {}

export const kDtypeBytes = { F64: 8, F32: 4, F16: 2, BF16: 2 } as const;
export type FloatDtype = keyof typeof kDtypeBytes;
/** The largest header accepted (the format's own reader caps it at 100 MB). */
export const kMaxHeaderBytes = 100 * 2 ** 20;

export interface Tensor {
  readonly dtype: FloatDtype;
  readonly shape: readonly number[];
  /** Row-major values, widened to float64. */
  readonly data: Float64Array;
}

export interface Safetensors {
  /** In the header's order. */
  readonly tensors: ReadonlyMap<string, Tensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

function fail(message: string): never {
  throw new SafetensorsError(message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A tensor's name, or any other string of the header, for a message. */
function name(key: string): string {
  return quoted(key, 60);
}

/** IEEE half precision to a number. */
export function half(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** `count` values of `dtype` from byte `start` of `view`, widened to float64 (exactly). */
export function readValues(view: DataView, dtype: FloatDtype, start: number, count: number): Float64Array {
  const out = new Float64Array(count);
  const size = kDtypeBytes[dtype];
  for (let i = 0; i < count; i++) {
    const at = start + i * size;
    if (dtype === 'F64') out[i] = view.getFloat64(at, true);
    else if (dtype === 'F32') out[i] = view.getFloat32(at, true);
    else if (dtype === 'F16') out[i] = half(view.getUint16(at, true));
    else out[i] = new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0] ?? 0;
  }
  return out;
}

function readShape(value: unknown, key: string): number[] {
  if (!Array.isArray(value) || value.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(`tensor ${name(key)}: "shape" must be an array of non-negative integers`);
  }
  return value as number[];
}

/**
 * The first key that an object of `text` (valid JSON) names twice, or null: JSON.parse silently keeps the last one,
 * so a file could mean two things. One pass over the text; keys are compared as decoded ("\u0061" is "a").
 */
function duplicateKey(text: string): string | null {
  // The keys of each object open at this point (null for an array), and whether a key comes next.
  const open: (Set<string> | null)[] = [];
  let keyNext = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') {
      open.push(c === '{' ? new Set() : null);
      keyNext = c === '{';
    } else if (c === '}' || c === ']') {
      open.pop();
      keyNext = false;
    } else if (c === ',') {
      keyNext = open.at(-1) instanceof Set;
    } else if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const keys = open.at(-1);
      if (keyNext && keys) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (keys.has(key)) return key;
        keys.add(key);
        keyNext = false;
      }
      i = end;
    }
  }
  return null;
}

/** Parses a safetensors file; throws SafetensorsError naming the first problem. */
export function decodeSafetensors(bytes: Uint8Array): Safetensors {
  if (bytes.byteLength < 8)
    fail(`the file has ${counted(bytes.byteLength, 'byte')}: too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.byteLength - 8)) {
    fail(`the header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`);
  }
  if (headerLength > BigInt(kMaxHeaderBytes))
    fail(`the header of ${headerLength} bytes is over the ${kMaxHeaderBytes}-byte cap`);
  const n = Number(headerLength);
  let header: unknown;
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (error) {
    // V8's message quotes the text it failed on: escaped, like every value from outside.
    fail(`the header is not UTF-8 JSON (${escaped((error as Error).message, 80)})`);
  }
  if (!isRecord(header)) fail('the header is not a JSON object');
  const twice = duplicateKey(text);
  if (twice !== null) fail(`the header names ${name(twice)} twice`);
  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  let metadata: Record<string, string> = {};
  const entries: [string, FloatDtype, number[], number, number][] = [];
  for (const [key, entry] of Object.entries(header)) {
    if (key === '__metadata__') {
      if (!isRecord(entry) || Object.values(entry).some((v) => typeof v !== 'string')) {
        fail('"__metadata__" must be an object of strings');
      }
      metadata = entry as Record<string, string>;
      continue;
    }
    if (!isRecord(entry)) fail(`tensor ${name(key)} is not an object`);
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !(dtype in kDtypeBytes)) {
      const shown = typeof dtype === 'string' ? name(dtype) : escaped(String(JSON.stringify(dtype)), 40);
      fail(`tensor ${name(key)} has dtype ${shown}; supported: ${Object.keys(kDtypeBytes).join(', ')}`);
    }
    const shape = readShape(entry.shape, key);
    const offsets = entry.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isSafeInteger(o) || o < 0)) {
      fail(`tensor ${name(key)}: "data_offsets" must be two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataLength) {
      fail(
        `tensor ${name(key)}: data_offsets [${begin}, ${end}] lie outside the ${counted(dataLength, 'byte')} of data`,
      );
    }
    let count = 1;
    for (const d of shape) {
      count *= d;
      if (count > dataLength) fail(`tensor ${name(key)}: shape [${shape.join(', ')}] is larger than the file`);
    }
    const size = kDtypeBytes[dtype as FloatDtype];
    if (end - begin !== count * size) {
      fail(
        `tensor ${name(key)}: shape [${shape.join(', ')}] of ${dtype} needs ${count * size} bytes, ` +
          `data_offsets give ${end - begin}`,
      );
    }
    entries.push([key, dtype as FloatDtype, shape, begin, end]);
  }
  const byStart = [...entries].sort((a, b) => a[3] - b[3]);
  for (let i = 1; i < byStart.length; i++) {
    const [previous, current] = [byStart[i - 1], byStart[i]];
    if (previous && current && current[3] < previous[4]) {
      fail(`tensors ${name(previous[0])} and ${name(current[0])} overlap in the data`);
    }
  }
  const tensors = new Map<string, Tensor>();
  for (const [key, dtype, shape, begin, end] of entries) {
    const data = readValues(view, dtype, dataStart + begin, (end - begin) / kDtypeBytes[dtype]);
    tensors.set(key, { dtype, shape, data });
  }
  return { tensors, metadata };
}

/** Writes tensors (float64 values stored as `dtype`) and string metadata as a safetensors file. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, { readonly shape: readonly number[]; readonly data: Float64Array }>,
  dtype: 'F64' | 'F32',
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const size = kDtypeBytes[dtype];
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [key, tensor] of tensors) {
    header[key] = { dtype, shape: tensor.shape, data_offsets: [offset, offset + tensor.data.length * size] };
    offset += tensor.data.length * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // Padded with spaces to a multiple of 8, as the reference writer does: the data then starts aligned.
  const padded = Math.ceil(json.byteLength / 8) * 8;
  if (padded !== json.byteLength) {
    const spaces = new Uint8Array(padded).fill(0x20);
    spaces.set(json);
    json = spaces;
  }
  const bytes = new Uint8Array(8 + json.byteLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(json.byteLength), true);
  bytes.set(json, 8);
  let at = 8 + json.byteLength;
  for (const tensor of tensors.values()) {
    for (const value of tensor.data) {
      if (dtype === 'F64') view.setFloat64(at, value, true);
      else view.setFloat32(at, value, true);
      at += size;
    }
  }
  return bytes;
}
