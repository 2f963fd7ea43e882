/**
 * Output files of the commands, written all or nothing. Paths are checked before any work (`checkOutputPath`);
 * results are staged in temporary files beside their targets and renamed over them only when the whole run
 * succeeded (`commit`), so a failing or interrupted run leaves every existing file byte-identical and no
 * temporary behind. Devices and pipes (/dev/stdout, a FIFO) cannot be replaced: they are written directly, first.
 * Only SIGKILL leaves temporaries (hidden, named after the process): the next run writing to that folder removes them.
 */
import {
  accessSync,
  constants,
  mkdirSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { quoted } from '../model/quote.ts';
import { onInterrupt } from './lifecycle.ts';

/** Writing an output failed (exit code 1); the message names the file. */
export class OutputError extends Error {}

function existing(path: string): ReturnType<typeof statSync> | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** The nearest folder that exists on the way up from `path`'s folder. */
function existingFolder(path: string): string {
  let folder = dirname(resolve(path));
  while (!existing(folder)) folder = dirname(folder);
  return folder;
}

/** Why `path` cannot be written (a message naming it), or null when it can. */
export function checkOutputPath(path: string): string | null {
  if (path === '') return 'an empty file name';
  const name = quoted(path, 200);
  const stats = existing(path);
  if (stats?.isDirectory()) return `${name} is a folder`;
  const folder = existingFolder(path);
  if (!existing(folder)?.isDirectory()) return `${name}: ${quoted(folder, 200)} is not a folder`;
  try {
    accessSync(stats && !stats.isFile() ? path : folder, constants.W_OK);
  } catch {
    return `${name} cannot be written (no permission in ${quoted(folder, 200)})`;
  }
  return null;
}

/** Checks several output paths at once: each must be writable, and no two may be the same file. */
export function checkOutputPaths(paths: readonly string[]): string | null {
  const seen = new Set<string>();
  for (const path of paths) {
    const problem = checkOutputPath(path);
    if (problem) return problem;
    const full = resolve(path);
    if (seen.has(full)) return `${quoted(path, 200)} is named twice as an output`;
    seen.add(full);
  }
  return null;
}

let temporaries = 0;
const kTempSuffix = '.reluscope-tmp';
const swept = new Set<string>();

/** Removes temporaries that processes no longer running left in `folder` (they were killed with SIGKILL). */
function sweep(folder: string): void {
  if (swept.has(folder)) return;
  swept.add(folder);
  let names: string[] = [];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(/\.(\d+)-\d+\.reluscope-tmp$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') remove(join(folder, name));
    }
  }
}

interface Staged {
  readonly path: string;
  /** The temporary file, or null for a device or pipe written directly at commit. */
  readonly temp: string | null;
  readonly bytes: Uint8Array | null;
}

export class Outputs {
  private staged: Staged[] = [];
  private readonly unregister = onInterrupt(() => this.abort());

  /** Paths staged so far, in order. */
  get paths(): string[] {
    return this.staged.map((s) => s.path);
  }

  /** Writes `bytes` to a temporary file beside `path` (or keeps them for a device or pipe). */
  stage(path: string, bytes: Uint8Array): void {
    const stats = existing(path);
    if (stats && !stats.isFile()) {
      this.staged.push({ path, temp: null, bytes });
      return;
    }
    const folder = existingFolder(path);
    sweep(folder);
    const temp = join(folder, `.${basename(path)}.${process.pid}-${temporaries++}${kTempSuffix}`);
    try {
      writeFileSync(temp, bytes);
    } catch (error) {
      remove(temp);
      throw new OutputError(`cannot write ${quoted(path, 200)}: ${(error as Error).message}`);
    }
    this.staged.push({ path, temp, bytes: null });
  }

  /** Moves every staged file into place; on any failure nothing more is moved and the temporaries are removed. */
  commit(): string[] {
    try {
      for (const { path, bytes } of this.staged) {
        if (bytes === null) continue;
        try {
          writeFileSync(path, bytes);
        } catch (error) {
          throw new OutputError(`cannot write ${quoted(path, 200)}: ${(error as Error).message}`);
        }
      }
      for (const { path, temp } of this.staged) {
        if (temp === null) continue;
        try {
          mkdirSync(dirname(resolve(path)), { recursive: true });
          renameSync(temp, path);
        } catch (error) {
          throw new OutputError(`cannot write ${quoted(path, 200)}: ${(error as Error).message}`);
        }
      }
      const written = this.paths;
      this.staged = [];
      return written;
    } finally {
      this.abort();
    }
  }

  /** Removes the temporary files; the targets stay as they were. */
  abort(): void {
    for (const { temp } of this.staged) if (temp !== null) remove(temp);
    this.staged = [];
    this.unregister();
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
