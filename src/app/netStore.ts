/**
 * Nets loaded from files (relu-mlp JSON, PyTorch .pt/.pth, .safetensors): validated, then kept in this browser's
 * localStorage as relu-mlp text under an id derived from it, so that the URL (which holds the id) reproduces the
 * picture on reload. Save writes the relu-mlp file, or a safetensors file for PyTorch.
 */

import { serializeGraph } from '../model/files/graphFile.ts';
import { binaryNetFormat } from '../model/files/netBinary.ts';
import { serializeNet } from '../model/files/netFile.ts';
import { netToSafetensors } from '../model/files/netTensors.ts';
import { type Graph, isGraph, type Network } from '../model/graph/graph.ts';
import { kNetLimits } from '../model/limits.ts';
import type { Net } from '../model/net.ts';
import { NetError, resolveNet } from '../model/netSource.ts';
import { quoted } from '../model/quote.ts';

const kPrefix = 'reluscope.net.';
/** Nets made in this page (training) are kept in memory under their id: the newest few, enough for the one shown. */
const kKeptInMemory = 8;
const inMemory = new Map<string, Network>();

/** Keeps a net made in this page under `id` (the app resolves `net=id` to it), the oldest of many forgotten. */
export function keepNet(id: string, net: Network): void {
  inMemory.delete(id);
  inMemory.set(id, net);
  for (const old of inMemory.keys()) {
    if (inMemory.size <= kKeptInMemory) break;
    inMemory.delete(old);
  }
}

/** Removes a stored net's text from this browser's storage. */
export function forgetStoredNet(id: string): void {
  try {
    localStorage.removeItem(kPrefix + id);
  } catch {
    // Storage not available: nothing was stored.
  }
}

/** A 64-bit content id (two FNV-1a variants), as 16 hex digits. */
export function contentId(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** Stores the net's text; returns false (and stores nothing) when the browser's storage is too small for it. */
export function storeNet(id: string, text: string): boolean {
  try {
    localStorage.setItem(kPrefix + id, text);
    return true;
  } catch {
    return false;
  }
}

/** The net kept under `id` in this page or stored in this browser; throws NetError when it is not there or not valid. */
export function loadStoredNet(id: string): Network {
  const kept = inMemory.get(id);
  if (kept) return kept;
  const text = localStorage.getItem(kPrefix + id);
  if (text === null) throw new NetError(`net ${id} is not stored in this browser: load its file again`);
  return resolveNet({ kind: 'file', name: `stored net ${id}`, bytes: new TextEncoder().encode(text) });
}

/**
 * A net file chosen or dropped by the user, read with the same size bound and checks as on the command line. The
 * text to store is the file's own for relu-mlp JSON, the net's relu-mlp text for a binary file (exact: float64).
 */
export async function readNetFile(file: File): Promise<{ text: string; net: Network } | { error: string }> {
  const name = quoted(file.name, 80);
  if (file.size > kNetLimits.maxFileBytes) {
    return { error: `${name}: larger than ${kNetLimits.maxFileBytes / 2 ** 20} MiB` };
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const net = resolveNet({ kind: 'file', name, bytes });
    const text =
      binaryNetFormat(bytes) === null
        ? new TextDecoder().decode(bytes)
        : isGraph(net)
          ? serializeGraph(net)
          : serializeNet(net);
    return { text, net };
  } catch (error) {
    if (error instanceof NetError) return { error: error.message };
    throw error;
  }
}

/** Downloads a graph as relu-graph JSON (float64, exact; src/model/files/graphFile.ts). */
export function downloadGraph(graph: Graph, name: string): void {
  download(new Blob([serializeGraph(graph)], { type: 'application/json' }), name);
}

/** Downloads the net as a relu-mlp JSON file (float64, exact). */
export function downloadNet(net: Net, name: string): void {
  download(new Blob([serializeNet(net)], { type: 'application/json' }), name);
}

/**
 * Downloads the net as a safetensors file in PyTorch's nn.Sequential naming ("0.weight", "0.bias", "2.weight", ...)
 * and in float32, PyTorch's default dtype: `model.load_state_dict(safetensors.torch.load_file(path))` loads it into
 * an nn.Sequential of Linear and ReLU as it is. A float64 net made here is rounded to float32 (relu-mlp keeps it).
 */
export function downloadSafetensors(net: Net, name: string): void {
  const bytes = netToSafetensors(net, 'F32');
  download(new Blob([bytes.buffer as ArrayBuffer], { type: 'application/octet-stream' }), name);
}

function download(blob: Blob, name: string): void {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
