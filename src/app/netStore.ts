/**
 * Nets loaded from files: validated, then kept in this browser's localStorage under an id derived from their
 * content, so that the URL (which holds the id) reproduces the picture on reload. Save writes the relu-mlp file.
 */
import type { Net } from '../model/net.ts';
import { type ParseResult, parseNet, serializeNet } from '../model/netFile.ts';

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

export function loadStoredNet(id: string): ParseResult | null {
  const text = localStorage.getItem(kPrefix + id);
  return text === null ? null : parseNet(text);
}

export async function readNetFile(file: File): Promise<{ text: string; parsed: ParseResult }> {
  const text = await file.text();
  const parsed = parseNet(text);
  return { text, parsed: parsed.ok ? parsed : { ok: false, error: `${file.name}: ${parsed.error}` } };
}

export function downloadNet(net: Net, name: string): void {
  const blob = new Blob([serializeNet(net)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
