/**
 * A read-only zip reader for untrusted bytes, enough for the archives torch.save writes (PKWARE APPNOTE 4.3): the
 * end-of-central-directory record, the central directory, and each entry's local header. Every offset, size and
 * count is checked against the file before it is used; sizes come from the central directory (torch.save sets the
 * data-descriptor flag and leaves the local sizes zero). Entries are read stored (method 0, as torch.save writes
 * them), as subarrays of the file, and their CRC-32 is checked. Compression, encryption, several disks and zip64
 * are refused with a message: a net file stays far below zip64's 4 GiB.
 */

import { counted } from '../format.ts';
import { quoted } from '../quote.ts';

export class ZipError extends Error {}

function fail(message: string): never {
  throw new ZipError(message);
}

const kLocalSignature = 0x04034b50;
const kCentralSignature = 0x02014b50;
const kEndSignature = 0x06054b50;
const kLocalHeaderBytes = 30;
const kCentralHeaderBytes = 46;
const kEndBytes = 22;
/** The longest zip comment: the end record lies in the file's last kEndBytes + this many bytes. */
const kMaxComment = 0xffff;

export interface ZipEntry {
  readonly name: string;
  /** 0: stored; 8: deflated; ... */
  readonly method: number;
  readonly flags: number;
  readonly crc32: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local header. */
  readonly localOffset: number;
}

export interface ZipArchive {
  /** In the central directory's order. */
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's bytes (a subarray of the file); throws ZipError for a missing, compressed or corrupt entry. */
  read(name: string): Uint8Array;
}

function shown(name: string): string {
  return quoted(name, 80);
}

/** Finds the end-of-central-directory record: the last signature whose comment reaches exactly to the end. */
function findEnd(view: DataView): number {
  const length = view.byteLength;
  if (length < kEndBytes) fail(`${counted(length, 'byte')} is too short for a zip file (truncated?)`);
  const lowest = Math.max(0, length - kEndBytes - kMaxComment);
  for (let at = length - kEndBytes; at >= lowest; at--) {
    if (view.getUint32(at, true) === kEndSignature && at + kEndBytes + view.getUint16(at + 20, true) === length) {
      return at;
    }
  }
  fail('no end-of-central-directory record at the end of the zip: the file is truncated or not a zip');
}

let crcTable: Uint32Array | null = null;

export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (crcTable[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Reads the central directory of a zip file; entries are read and checked when asked for. */
export function openZip(bytes: Uint8Array): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEnd(view);
  const disk = view.getUint16(end + 4, true);
  const cdDisk = view.getUint16(end + 6, true);
  const diskEntries = view.getUint16(end + 8, true);
  const count = view.getUint16(end + 10, true);
  const cdSize = view.getUint32(end + 12, true);
  const cdOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    fail('a zip64 archive (over 65535 entries or 4 GiB): not read');
  }
  if (disk !== 0 || cdDisk !== 0 || diskEntries !== count) fail('a zip split over several disks: not read');
  if (cdOffset + cdSize > end) {
    fail(`the central directory [${cdOffset}, ${cdOffset + cdSize}) runs past its end record at ${end}`);
  }
  if (count * kCentralHeaderBytes > cdSize) {
    fail(`${count} entries do not fit a central directory of ${cdSize} bytes`);
  }
  const entries = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + kCentralHeaderBytes > cdOffset + cdSize) fail(`central directory entry ${i} runs past the directory`);
    if (view.getUint32(at, true) !== kCentralSignature) fail(`central directory entry ${i} has no signature at ${at}`);
    const nameLength = view.getUint16(at + 28, true);
    const next = at + kCentralHeaderBytes + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (next > cdOffset + cdSize) fail(`central directory entry ${i} runs past the directory`);
    const name = new TextDecoder().decode(
      bytes.subarray(at + kCentralHeaderBytes, at + kCentralHeaderBytes + nameLength),
    );
    const entry: ZipEntry = {
      name,
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc32: view.getUint32(at + 16, true),
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      localOffset: view.getUint32(at + 42, true),
    };
    if (entries.has(name)) fail(`the entry ${shown(name)} appears twice`);
    if (entry.localOffset + kLocalHeaderBytes > cdOffset) {
      fail(`the entry ${shown(name)}: its local header at ${entry.localOffset} lies past the entries' data`);
    }
    entries.set(name, entry);
    at = next;
  }

  const read = (name: string): Uint8Array => {
    const entry = entries.get(name);
    if (!entry) fail(`no entry ${shown(name)} in the zip`);
    const where = `the entry ${shown(name)}`;
    if (entry.flags & 1) fail(`${where} is encrypted`);
    if (entry.method !== 0) {
      fail(`${where} is compressed with method ${entry.method}; torch.save writes entries uncompressed`);
    }
    if (entry.compressedSize !== entry.size) {
      fail(`${where} is stored with ${entry.compressedSize} bytes but says it has ${entry.size}`);
    }
    const local = entry.localOffset;
    if (view.getUint32(local, true) !== kLocalSignature) fail(`${where} has no local header at ${local}`);
    const nameLength = view.getUint16(local + 26, true);
    const start = local + kLocalHeaderBytes + nameLength + view.getUint16(local + 28, true);
    if (start + entry.size > cdOffset) {
      fail(`${where}: its ${entry.size} bytes at ${start} run past the entries' data (${cdOffset} bytes): truncated?`);
    }
    const localName = new TextDecoder().decode(bytes.subarray(local + kLocalHeaderBytes, local + 30 + nameLength));
    if (localName !== name) fail(`${where}: its local header names ${shown(localName)}`);
    const data = bytes.subarray(start, start + entry.size);
    if (crc32(data) !== entry.crc32) fail(`${where} fails its CRC-32 check: the file is corrupt`);
    return data;
  };
  return { entries, read };
}
