/**
 * The net a command names, in Node: a net file (--net, read with a size bound), a built-in preset (--preset), or the
 * seeded random net of --widths/--sigma-b/--seed, resolved by the one net resolver (src/model/netSource.ts).
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { kNetLimits } from '../model/limits.ts';
import type { Net } from '../model/net.ts';
import { kBundledFiles, mlpOnly, NetError, type NetSource, resolveNet, settingsNetSource } from '../model/netSource.ts';
import { quoted } from '../model/quote.ts';
import type { Settings } from '../settings/settings.ts';

export { NetError };

/**
 * The bytes of `path`, at most `maxBytes` of them: a device such as /dev/zero or a pipe is read in chunks and
 * refused once it passes the bound. Reading is asynchronous, so a signal ends the command meanwhile.
 */
export async function readBounded(path: string, maxBytes: number): Promise<Uint8Array> {
  const name = quoted(path, 200);
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw new NetError(`cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    const stats = await file.stat();
    if (stats.isDirectory()) throw new NetError(`${name} is a folder, not a file`);
    const tooLarge = (): NetError => new NetError(`${name} is larger than ${maxBytes / 2 ** 20} MiB`);
    if (stats.isFile() && stats.size > maxBytes) throw tooLarge();
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const chunk = new Uint8Array(2 ** 20);
      const { bytesRead } = await file.read(chunk, 0, chunk.byteLength, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge();
      chunks.push(chunk.subarray(0, bytesRead));
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    return bytes;
  } catch (error) {
    if (error instanceof NetError) throw error;
    throw new NetError(`cannot read ${name}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    await file.close();
  }
}

/** Where the net of a command comes from: --net FILE, else the settings' preset, else their random net. */
export async function netSource(netFile: string | null, settings: Settings): Promise<NetSource> {
  if (netFile !== null) {
    return { kind: 'file', name: quoted(netFile, 200), bytes: await readBounded(netFile, kNetLimits.maxFileBytes) };
  }
  const source = settingsNetSource(settings);
  if (source.kind === 'stored') {
    throw new NetError(`net ${quoted(source.id, 40)} is stored in a browser: pass its file with --net`);
  }
  if (source.kind === 'bundled') {
    const path = fileURLToPath(new URL(`../../${kBundledFiles[source.name] ?? ''}`, import.meta.url));
    return { kind: 'file', name: source.name, bytes: await readBounded(path, kNetLimits.maxFileBytes) };
  }
  return source;
}

export async function chooseNet(netFile: string | null, settings: Settings): Promise<Net> {
  return mlpOnly(resolveNet(await netSource(netFile, settings)), 'this command');
}
