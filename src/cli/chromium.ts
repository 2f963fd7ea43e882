/**
 * Headless Chromium with WebGPU, driven by puppeteer over a pipe: SwiftShader (WebGPU on the CPU) unless `gpu`, a fresh
 * profile removed on close, what Chromium says about Vulkan and WebGPU kept for the diagnosis when WebGPU does not
 * start. The harness (harness.ts) opens one; the benchmark opens fresh ones for first visits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer';
import { chromiumFlags } from './chromiumFlags.ts';

export const kChromium = process.env.RELUSCOPE_CHROMIUM ?? '/usr/bin/chromium';
export const kProfilePrefix = 'reluscope-chromium-';

/** More Chromium flags from RELUSCOPE_CHROMIUM_ARGS (space-separated): for debugging, and to test failures. */
function extraArgs(): string[] {
  return (process.env.RELUSCOPE_CHROMIUM_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

export interface Chromium {
  readonly browser: Browser;
  readonly flags: readonly string[];
  /** Chromium's last lines about Vulkan, WebGPU, the GPU process. */
  readonly said: readonly string[];
  /** Closes the browser (killing its process group if it does not close) and removes its profile. */
  close(): Promise<void>;
}

/** Launches Chromium; throws `failed(flags, why, said)` when it does not start. */
export async function launchChromium(
  gpu: boolean,
  failed: (flags: readonly string[], why: string, said: readonly string[]) => Error,
): Promise<Chromium> {
  const userDataDir = mkdtempSync(join(tmpdir(), `${kProfilePrefix}${process.pid}-`));
  const flags = [...chromiumFlags(gpu, userDataDir), ...extraArgs()];
  const said: string[] = [];
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      executablePath: kChromium,
      headless: true,
      pipe: true,
      args: [...flags], // a copy: puppeteer takes --enable-features out of the array it is given
      protocolTimeout: 3_600_000,
      // lifecycle.ts handles signals: puppeteer's own handlers would exit before the profile is removed.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (error) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw failed(flags, `Chromium did not start (${(error as Error).message.split('\n')[0]})`, said);
  }
  browser.process()?.stderr?.on('data', (chunk: Buffer) => {
    for (const line of String(chunk).split('\n')) {
      if (/vulkan|webgpu|gpu process|swiftshader|adapter/i.test(line)) said.push(line.trim().slice(0, 200));
    }
    said.splice(0, Math.max(0, said.length - 10));
  });
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const child = browser.process();
      if (child?.exitCode === null) {
        const closed = browser.close().catch(() => undefined);
        await Promise.race([closed, new Promise((done) => setTimeout(done, 5_000).unref())]);
      }
      if (child?.pid && child.exitCode === null && child.signalCode === null) {
        // The whole process group: the GPU and renderer processes too.
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
      rmSync(userDataDir, { recursive: true, force: true });
    })();
    return closing;
  };
  return { browser, flags, said, close };
}
