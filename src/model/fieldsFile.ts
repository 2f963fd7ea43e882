/**
 * The fields file (docs/science.md, "The fields file"), little-endian: bytes "RLF1", u32 W, u32 H, then W*H records of
 * (u32 hash_lo, u32 hash_hi, f32 distance in input units), row-major from the top-left pixel.
 */

export const kFieldsMagic = 'RLF1';
const kHeaderBytes = 12;
/** Bytes of one pixel's record: u32 hash_lo, u32 hash_hi, f32 distance. */
export const kFieldsRecordBytes = 12;
const kRecordBytes = kFieldsRecordBytes;

export interface FieldsRecords {
  readonly width: number;
  readonly height: number;
  readonly hashLo: Uint32Array;
  readonly hashHi: Uint32Array;
  /** Input units; Infinity where no neuron has a line. */
  readonly distance: Float32Array;
}

/** The records alone (no header), as the shot page hands a tile to node. */
export function encodeFieldsRecords(
  fields: Pick<FieldsRecords, 'hashLo' | 'hashHi'> & { distance: ArrayLike<number> },
): Uint8Array {
  const bytes = new Uint8Array(fields.hashLo.length * kRecordBytes);
  writeRecords(new DataView(bytes.buffer), 0, fields);
  return bytes;
}

function writeRecords(
  view: DataView,
  offset: number,
  fields: Pick<FieldsRecords, 'hashLo' | 'hashHi'> & { distance: ArrayLike<number> },
): void {
  for (let p = 0; p < fields.hashLo.length; p++) {
    const at = offset + p * kRecordBytes;
    view.setUint32(at, fields.hashLo[p] ?? 0, true);
    view.setUint32(at + 4, fields.hashHi[p] ?? 0, true);
    view.setFloat32(at + 8, fields.distance[p] ?? 0, true);
  }
}

/**
 * Reads `width` records starting at record `from` of `records` into row `row` from column `column` of `into` (a
 * tile placed in a larger image).
 */
export function readFieldsRecords(
  records: DataView,
  from: number,
  into: FieldsRecords,
  row: number,
  column: number,
  width: number,
): void {
  for (let i = 0; i < width; i++) {
    const at = (from + i) * kRecordBytes;
    const p = row * into.width + column + i;
    into.hashLo[p] = records.getUint32(at, true);
    into.hashHi[p] = records.getUint32(at + 4, true);
    into.distance[p] = records.getFloat32(at + 8, true);
  }
}

export function encodeFieldsFile(fields: FieldsRecords): Uint8Array {
  const { width, height } = fields;
  const bytes = new Uint8Array(kHeaderBytes + width * height * kRecordBytes);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < 4; i++) bytes[i] = kFieldsMagic.charCodeAt(i);
  view.setUint32(4, width, true);
  view.setUint32(8, height, true);
  writeRecords(view, kHeaderBytes, fields);
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
  const fields = emptyFields(width, height);
  const records = new DataView(bytes.buffer, bytes.byteOffset + kHeaderBytes, width * height * kRecordBytes);
  for (let j = 0; j < height; j++) readFieldsRecords(records, j * width, fields, j, 0, width);
  return fields;
}

export function emptyFields(width: number, height: number): FieldsRecords {
  const pixels = width * height;
  return {
    width,
    height,
    hashLo: new Uint32Array(pixels),
    hashHi: new Uint32Array(pixels),
    distance: new Float32Array(pixels),
  };
}

/** Distinct patterns among the pixels: the regions a picture shows (sub-pixel regions are missed). */
export function distinctPatterns(fields: Pick<FieldsRecords, 'hashLo' | 'hashHi'>): number {
  const seen = new Set<bigint>();
  for (let p = 0; p < fields.hashLo.length; p++) {
    seen.add((BigInt(fields.hashHi[p] ?? 0) << 32n) | BigInt(fields.hashLo[p] ?? 0));
  }
  return seen.size;
}
