/**
 * Nets loaded from files: validated, then kept in this browser's localStorage under an id derived from their
 * content, so that the URL (which holds the id) reproduces the picture on reload. Save writes the relu-mlp file.
 */
import { kNetLimits } from '../model/limits.ts';
import type { Net } from '../model/net.ts';
import { serializeNet } from '../model/netFile.ts';
import { NetError, resolveNet } from '../model/netSource.ts';
import { quoted } from '../model/quote.ts';

const kPrefix = 'reluscope.net.';

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

/** The net stored under `id` in this browser; throws NetError when it is not there or not valid. */
export function loadStoredNet(id: string): Net {
  const text = localStorage.getItem(kPrefix + id);
  if (text === null) throw new NetError(`net ${id} is not stored in this browser: load its file again`);
  return resolveNet({ kind: 'file', name: `stored net ${id}`, bytes: new TextEncoder().encode(text) });
}

/** A net file chosen or dropped by the user, read with the same size bound and checks as on the command line. */
export async function readNetFile(file: File): Promise<{ text: string; net: Net } | { error: string }> {
  const name = quoted(file.name, 80);
  if (file.size > kNetLimits.maxFileBytes) {
    return { error: `${name}: larger than ${kNetLimits.maxFileBytes / 2 ** 20} MiB` };
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    const net = resolveNet({ kind: 'file', name, bytes });
    return { text: new TextDecoder().decode(bytes), net };
  } catch (error) {
    if (error instanceof NetError) return { error: error.message };
    throw error;
  }
}

export function downloadNet(net: Net, name: string): void {
  const blob = new Blob([serializeNet(net)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
