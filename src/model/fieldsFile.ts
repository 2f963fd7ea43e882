/**
 * The fields file (shared/notes/science.md), little-endian: bytes "RLF1", u32 W, u32 H, then W*H records of
 * (u32 hash_lo, u32 hash_hi, f32 distance in input units), row-major from the top-left pixel.
 */

export const kFieldsMagic = 'RLF1';
const kHeaderBytes = 12;
const kRecordBytes = 12;

export interface FieldsRecords {
  readonly width: number;
  readonly height: number;
  readonly hashLo: Uint32Array;
  readonly hashHi: Uint32Array;
  /** Input units; Infinity where no neuron has a line. */
  readonly distance: Float32Array;
}

export function encodeFieldsFile(fields: FieldsRecords): Uint8Array {
  const { width, height } = fields;
  const bytes = new Uint8Array(kHeaderBytes + width * height * kRecordBytes);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = kFieldsMagic.charCodeAt(i);
  view.setUint32(4, width, true);
  view.setUint32(8, height, true);
  for (let p = 0; p < width * height; p++) {
    const at = kHeaderBytes + p * kRecordBytes;
    view.setUint32(at, fields.hashLo[p] ?? 0, true);
    view.setUint32(at + 4, fields.hashHi[p] ?? 0, true);
    view.setFloat32(at + 8, fields.distance[p] ?? 0, true);
  }
  return bytes;
}

export function decodeFieldsFile(bytes: Uint8Array): FieldsRecords {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== kFieldsMagic) throw new Error(`not a fields file: magic "${magic}", expected "${kFieldsMagic}"`);
  const width = view.getUint32(4, true);
  const height = view.getUint32(8, true);
  if (bytes.byteLength !== kHeaderBytes + width * height * kRecordBytes) {
    throw new Error(
      `fields file of ${width}x${height} should have ${kHeaderBytes + width * height * kRecordBytes} bytes`,
    );
  }
  const hashLo = new Uint32Array(width * height);
  const hashHi = new Uint32Array(width * height);
  const distance = new Float32Array(width * height);
  for (let p = 0; p < width * height; p++) {
    const at = kHeaderBytes + p * kRecordBytes;
    hashLo[p] = view.getUint32(at, true);
    hashHi[p] = view.getUint32(at + 4, true);
    distance[p] = view.getFloat32(at + 8, true);
  }
  return { width, height, hashLo, hashHi, distance };
}

/** Distinct patterns among the pixels: the regions a picture shows (sub-pixel regions are missed). */
export function distinctPatterns(fields: Pick<FieldsRecords, 'hashLo' | 'hashHi'>): number {
  const seen = new Set<bigint>();
  for (let p = 0; p < fields.hashLo.length; p++) {
    seen.add((BigInt(fields.hashHi[p] ?? 0) << 32n) | BigInt(fields.hashLo[p] ?? 0));
  }
  return seen.size;
}
