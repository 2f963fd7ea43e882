/**
 * One run at a time in a folder: DIR/train.lock, created exclusively (O_EXCL) with the run's id, its pid, host and
 * start, removed when the run ends (done, failed, or stopped by a signal). A lock whose process is gone (a run killed
 * with SIGKILL, a crash) is taken over with a message; a lock of a running process, or of another host (its process
 * cannot be checked), refuses the new run.
 */

import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { quoted } from '../model/quote.ts';

export const kLockName = 'train.lock';

interface LockFile {
  readonly run: string;
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

function readLock(path: string): LockFile | null {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockFile>;
    if (typeof value.pid !== 'number' || typeof value.run !== 'string') return null;
    return { run: value.run, pid: value.pid, host: String(value.host ?? ''), started: String(value.started ?? '') };
  } catch {
    return null;
  }
}

/** Whether the process of a lock may still run (another host's cannot be checked: assumed so). */
function alive(lock: LockFile): boolean {
  if (lock.host !== hostname()) return true;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

export class RunLock {
  private released = false;

  private constructor(
    private readonly path: string,
    private readonly run: string,
  ) {}

  /**
   * Takes the folder's lock for run `run`; returns the lock and what was said (a stale lock taken over), or why the
   * folder cannot be taken (a message). The folder must exist.
   */
  static take(dir: string, run: string): { lock: RunLock; note: string | null } | string {
    const path = join(dir, kLockName);
    const content: LockFile = { run, pid: process.pid, host: hostname(), started: new Date().toISOString() };
    let note: string | null = null;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        try {
          writeSync(fd, `${JSON.stringify(content)}\n`);
        } finally {
          closeSync(fd);
        }
        return { lock: new RunLock(path, run), note };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          return `cannot create ${quoted(path, 200)}: ${(error as Error).message}`;
        }
      }
      const held = readLock(path);
      const who = held
        ? `run ${held.run} (pid ${held.pid}${held.host === hostname() ? '' : ` on ${quoted(held.host, 60)}`}, started ${held.started})`
        : 'a run (its lock file is unreadable)';
      if (!held || alive(held) || attempt > 0) {
        return `${quoted(dir, 200)} is being written by ${who}: one run at a time in a folder (its ${kLockName} is removed when it ends)`;
      }
      // The process is gone: move its lock aside, and check that what moved is that stale lock, not the lock of a
      // run that took it over in between (then put it back and give way).
      const aside = `${path}.stale-${process.pid}`;
      try {
        renameSync(path, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved?.pid !== held.pid || moved.run !== held.run) {
        try {
          linkSync(aside, path);
        } catch {
          // Another lock is in place already: it stands.
        }
        unlinkQuietly(aside);
        return `${quoted(dir, 200)} is being written by another run: one run at a time in a folder`;
      }
      unlinkQuietly(aside);
      note = `took over the lock of ${who}, which is no longer running`;
    }
    return `${quoted(dir, 200)}: its ${kLockName} could not be taken`;
  }

  /** Removes the lock, if it is still this run's. */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readLock(this.path)?.run === this.run) unlinkQuietly(this.path);
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}
