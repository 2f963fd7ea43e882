/**
 * A signal to any process of `npm run shot` ends all of it within seconds: node, Chromium and its helpers. The
 * browser profile is removed and nothing is written (no output, no temporary file), however the signal arrives:
 * Ctrl-C, SIGTERM to npm, SIGTERM to the whole process group (as `timeout` sends it), SIGTERM to Chromium, SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { harnessChromiums, runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'reluscope-signals-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A long run: 40 frames of a zoom, each a few hundred milliseconds on SwiftShader. */
const kLongShot = ['--widths', '48,48,48', '--size', '300x300', '--sweep', 'zoom', '--to', '0.01', '--frames', '40'];

const profiles = (): string[] => readdirSync(tmpdir()).filter((name) => name.startsWith('reluscope-chromium-'));
const written = (): string[] => readdirSync(dir);

/** Resolves when `child` prints a line matching `pattern` on stderr; fails (never hangs) if it exits or times out. */
function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no line ${pattern} within ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    child.stderr?.on('data', (chunk: Buffer) => {
      seen += String(chunk);
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      reject(new Error(`the command exited before printing ${pattern}:\n${seen}`));
    });
  });
}

/** Waits for `child` to exit; fails if it takes longer than `ms`. */
function exited(child: ChildProcess, ms: number): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => reject(new Error(`still running ${ms} ms after the signal`)), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Process ids of harness Chromiums running now (any run's). */
const chromiumPids = (): Set<string> => new Set(harnessChromiums().map((line) => line.trim().split(/\s+/)[0] ?? ''));

/**
 * Polls until no harness Chromium started since `before` is left (Chromium's helpers exit a moment after its main
 * process); returns those still running after `ms`.
 */
async function noNewChromiumWithin(before: Set<string>, ms: number): Promise<string[]> {
  const end = performance.now() + ms;
  const fresh = (): string[] => harnessChromiums().filter((line) => !before.has(line.trim().split(/\s+/)[0] ?? ''));
  let left = fresh();
  while (left.length > 0 && performance.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = fresh();
  }
  return left;
}

function outPath(name: string): string {
  return join(dir, `${name}.png`);
}

describe('signals to npm run shot', () => {
  it('Ctrl-C (SIGINT to node): exit code 130, the browser closed, no profile, nothing written', async () => {
    const [before, running] = [profiles(), chromiumPids()];
    const run = runCli('src/cli/shot.ts', [...kLongShot, '--out', outPath('int')]);
    await waitForLine(run.child, /\[1\/40\]/);
    run.child.kill('SIGINT');
    const result = await run;
    expect(result.code, result.stderr).toBe(130);
    expect(await noNewChromiumWithin(running, 5_000)).toEqual([]);
    expect(profiles()).toEqual(before);
    expect(written()).toEqual([]);
  });

  it('SIGTERM to the npm process: npm passes it on, everything ends and nothing is written', async () => {
    const [before, running] = [profiles(), chromiumPids()];
    const npm = spawn('npm', ['run', '--silent', 'shot', '--', ...kLongShot, '--out', outPath('npm')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await waitForLine(npm, /\[1\/40\]/, 90_000);
    npm.kill('SIGTERM');
    const { code } = await exited(npm, 10_000);
    expect(code).toBe(143);
    expect(await noNewChromiumWithin(running, 5_000)).toEqual([]);
    expect(profiles()).toEqual(before);
    expect(written()).toEqual([]);
  });

  it('SIGTERM to the whole process group (as `timeout` sends it, and npm again): the same', async () => {
    const [before, running] = [profiles(), chromiumPids()];
    const group = spawn('npm', ['run', '--silent', 'shot', '--', ...kLongShot, '--out', outPath('group')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    await waitForLine(group, /\[1\/40\]/, 90_000);
    process.kill(-(group.pid ?? 0), 'SIGTERM');
    await exited(group, 10_000);
    expect(await noNewChromiumWithin(running, 5_000)).toEqual([]);
    expect(profiles()).toEqual(before);
    expect(written()).toEqual([]);
  });

  it('SIGTERM to Chromium: the command says the browser exited, exits 1, and cleans up', async () => {
    const [before, running] = [profiles(), chromiumPids()];
    const run = runCli('src/cli/shot.ts', [...kLongShot, '--out', outPath('browser')]);
    await waitForLine(run.child, /\[1\/40\]/);
    const [browser] = harnessChromiums().filter(
      (line) => !line.includes('--type=') && !running.has(line.trim().split(/\s+/)[0] ?? ''),
    );
    const pid = Number(browser?.trim().split(/\s+/)[0]);
    expect(pid, 'the browser process').toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    const result = await run;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/shot: the browser exited/);
    expect(await noNewChromiumWithin(running, 5_000)).toEqual([]);
    expect(profiles()).toEqual(before);
    expect(written()).toEqual([]);
  });

  it('SIGKILL to node: Chromium exits with it (the pipe closes); the next harness removes the profile', async () => {
    const [before, running] = [profiles(), chromiumPids()];
    const run = runCli('src/cli/shot.ts', [...kLongShot, '--out', outPath('kill')]);
    await waitForLine(run.child, /\[1\/40\]/);
    run.child.kill('SIGKILL');
    await run;
    expect(await noNewChromiumWithin(running, 5_000)).toEqual([]);
    expect(profiles().length).toBe(before.length + 1);
    // Any later command cleans up after a killed one.
    const next = await runCli('src/cli/shot.ts', ['--widths', '4', '--size', '8x8', '--out', outPath('next')]);
    expect(next.code, next.stderr).toBe(0);
    expect(profiles()).toEqual(before);
    expect(written()).toEqual(['next.png']);
  });
});
