/**
 * The one headless harness (CLI, benchmarks, tests): a Vite server on 127.0.0.1 at a free port, serving this repo,
 * and Chromium driven by puppeteer with WebGPU. SwiftShader (WebGPU on the CPU) unless `gpu` is set, in which case
 * Chromium uses the machine's GPU through Vulkan. Always close it: `await harness.close()` (also on errors).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer';
import { createServer, type ViteDevServer } from 'vite';

export const kChromium = process.env.RELUSCOPE_CHROMIUM ?? '/usr/bin/chromium';

/** Flags checked on this machine kind (shared/notes/webgpu-headless.md). */
export function chromiumFlags(gpu: boolean, userDataDir: string): string[] {
  const common = [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    `--user-data-dir=${userDataDir}`,
  ];
  return gpu ? [...common, '--use-angle=vulkan'] : [...common, '--use-vulkan=swiftshader', '--use-angle=vulkan'];
}

/** More Chromium flags from RELUSCOPE_CHROMIUM_ARGS (space-separated): for debugging, and to test failures. */
function extraArgs(): string[] {
  return (process.env.RELUSCOPE_CHROMIUM_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
}

export interface Harness {
  readonly origin: string;
  readonly browser: Browser;
  newPage(path: string): Promise<{ page: Page; consoleErrors: string[] }>;
  close(): Promise<void>;
}

export async function startHarness(options: { gpu?: boolean; root?: string } = {}): Promise<Harness> {
  const root = resolve(options.root ?? process.cwd());
  const server: ViteDevServer = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  const userDataDir = mkdtempSync(join(tmpdir(), 'reluscope-chromium-'));
  let browser: Browser | null = null;
  const close = async (): Promise<void> => {
    if (browser) {
      const closing = browser.close().catch(() => undefined);
      const timeout = new Promise((done) => setTimeout(done, 10_000).unref());
      await Promise.race([closing, timeout]);
      browser.process()?.kill('SIGKILL');
    }
    await server.close().catch(() => undefined);
    rmSync(userDataDir, { recursive: true, force: true });
  };
  try {
    await server.listen();
    const address = server.httpServer?.address();
    if (!address || typeof address === 'string') throw new Error('the local server did not start');
    const origin = `http://127.0.0.1:${address.port}`;
    browser = await puppeteer.launch({
      executablePath: kChromium,
      headless: true,
      args: [...chromiumFlags(options.gpu ?? false, userDataDir), ...extraArgs()],
      protocolTimeout: 3_600_000,
    });
    const launched = browser;
    return {
      origin,
      browser: launched,
      close,
      async newPage(path: string) {
        const page = await launched.newPage();
        const consoleErrors: string[] = [];
        page.on('console', (message) => {
          if (message.type() === 'error') consoleErrors.push(message.text());
        });
        page.on('pageerror', (error) => consoleErrors.push(String(error)));
        await page.goto(`${origin}${path}`, { waitUntil: 'load' });
        return { page, consoleErrors };
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}
