/**
 * The binary net files ReLUscope reads besides relu-mlp JSON, told apart by their first bytes: a PyTorch state_dict
 * (a zip, torch.save since PyTorch 1.6) or a safetensors file (8 bytes of little-endian header length, then the
 * JSON header's "{"). A file that is neither is read as relu-mlp JSON (netFile.ts).
 */
import type { Network } from '../graph/graph.ts';
import { mlpOfGraph } from '../graph/graph.ts';
import { NetTensorsError, netFromSafetensors } from './netTensors.ts';
import { graphFromOnnx, OnnxError } from './onnx.ts';
import { PickleError } from './pickle.ts';
import { SafetensorsError } from './safetensors.ts';
import { netFromTorch, TorchFileError } from './torchFile.ts';
import { ZipError } from './zip.ts';

export type BinaryNetFormat = 'pytorch' | 'pytorch-legacy' | 'safetensors' | 'onnx';

export const kBinaryFormatNames: Readonly<Record<BinaryNetFormat, string>> = {
  pytorch: 'PyTorch file',
  'pytorch-legacy': 'PyTorch file',
  safetensors: 'safetensors file',
  onnx: 'ONNX file',
};

/** The binary format of a net file, or null for text (relu-mlp JSON). */
export function binaryNetFormat(bytes: Uint8Array): BinaryNetFormat | null {
  const [b0, b1, b2, b3] = bytes;
  // A zip's first local header, or the end record of an empty zip.
  if (b0 === 0x50 && b1 === 0x4b && ((b2 === 3 && b3 === 4) || (b2 === 5 && b3 === 6))) return 'pytorch';
  // torch.save's format before 1.6: a pickle (protocol 2) of its magic number, a LONG1.
  if (b0 === 0x80 && b1 === 0x02 && b2 === 0x8a) return 'pytorch-legacy';
  if (bytes.byteLength > 8 && bytes[8] === 0x7b) {
    const length = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
    if (length <= BigInt(bytes.byteLength - 8)) return 'safetensors';
  }
  // An ONNX ModelProto starts with its ir_version (field 1, a varint: tag 0x08) as torch.onnx.export writes it.
  if (b0 === 0x08 && b1 !== undefined && b1 < 0x80) return 'onnx';
  return null;
}

/** Reads a binary net file; a message names the format and the first problem. */
export function readBinaryNet(
  bytes: Uint8Array,
  format: BinaryNetFormat,
): { ok: true; net: Network } | { ok: false; error: string } {
  const name = kBinaryFormatNames[format];
  try {
    if (format === 'pytorch-legacy') {
      return {
        ok: false,
        error: `${name} in the format of PyTorch before 1.6: save it again with a current PyTorch (torch.save)`,
      };
    }
    if (format === 'onnx') {
      const graph = graphFromOnnx(bytes);
      return { ok: true, net: mlpOfGraph(graph) ?? graph };
    }
    return { ok: true, net: format === 'pytorch' ? netFromTorch(bytes) : netFromSafetensors(bytes) };
  } catch (error) {
    const known = [ZipError, PickleError, TorchFileError, SafetensorsError, NetTensorsError, OnnxError];
    if (known.some((kind) => error instanceof kind))
      return { ok: false, error: `${name}: ${(error as Error).message}` };
    throw error;
  }
}
