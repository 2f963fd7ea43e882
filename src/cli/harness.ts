/**
 * The one headless harness (CLI, benchmarks, tests): a Vite server on 127.0.0.1 at a free port, serving this repo,
 * and Chromium driven by puppeteer with WebGPU. SwiftShader (WebGPU on the CPU) unless `gpu` is set, in which case
 * Chromium uses the machine's GPU through Vulkan. Always close it: `await harness.close()` (also on errors); a
 * signal to the process closes it too (lifecycle.ts), and Chromium, talking to node over a pipe, exits with node.
 */

import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'puppeteer';
import { createServer, type Plugin, type ViteDevServer } from 'vite';
import { type Chromium, kChromium, launchChromium } from './chromium.ts';
import { onInterrupt } from './lifecycle.ts';
import { WebGpuUnavailableError } from './webGpuUnavailable.ts';

export { kChromium, WebGpuUnavailableError };

/** Where the harness serves bytes published from node (nets too large to pass through the debugging protocol). */
export const kPublishedPath = '/__reluscope/';

let version: string | null = null;
/** `chromium --version`, or why it could not be run. */
export function chromiumVersion(): string {
  if (version === null) {
    const run = spawnSync(kChromium, ['--version'], { encoding: 'utf8', timeout: 20_000 });
    version = run.error ? `not runnable: ${run.error.message}` : run.stdout.trim() || `exit code ${run.status}`;
  }
  return version;
}

/** Profiles left by harnesses whose process died without cleaning up (SIGKILL): removed at the next start. */
function removeStaleProfiles(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(/^reluscope-chromium-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH')
        rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}

export interface Harness {
  readonly origin: string;
  readonly browser: Browser;
  newPage(path: string): Promise<{ page: Page; consoleErrors: string[] }>;
  /** Serves `bytes` at the returned path of this harness's server (replacing what `name` served before). */
  publish(name: string, bytes: Uint8Array): string;
  /** One paragraph for a user: what was tried (Chromium, flags, the page's answer) and what to install. */
  noWebGpu(answer: string): WebGpuUnavailableError;
  close(): Promise<void>;
}

export function diagnosis(flags: readonly string[], answer: string, said: readonly string[]): WebGpuUnavailableError {
  const chromium = `${kChromium} (${chromiumVersion()})`;
  const log = said.length > 0 ? ` Chromium said: ${said.slice(-3).join(' | ')}.` : '';
  return new WebGpuUnavailableError(
    `no WebGPU in headless Chromium. Tried ${chromium} with ${flags.join(' ')}; the answer: ${answer.replace(/\.+$/, '')}.${log} ` +
      "Without a GPU, WebGPU runs on SwiftShader, which needs Debian's chromium and libvulkan1 (the Vulkan loader): " +
      '`sudo apt-get install chromium libvulkan1` (npm test and npm run shot install them when run as root). On a ' +
      'machine with a GPU pass --gpu; more Chromium flags go in RELUSCOPE_CHROMIUM_ARGS, another binary in ' +
      'RELUSCOPE_CHROMIUM.',
  );
}

export async function startHarness(options: { gpu?: boolean; root?: string } = {}): Promise<Harness> {
  const root = resolve(options.root ?? process.cwd());
  removeStaleProfiles();
  const published = new Map<string, Uint8Array>();
  // Before Vite's own middlewares (configureServer's direct `use`), which would answer with index.html.
  const publisher: Plugin = {
    name: 'reluscope-publish',
    configureServer(dev) {
      dev.middlewares.use((request, response, next) => {
        const bytes = request.url?.startsWith(kPublishedPath) ? published.get(request.url) : undefined;
        if (!bytes) return next();
        response.setHeader('Content-Type', 'application/octet-stream');
        response.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      });
    },
  };
  // Middleware mode, served by our own HTTP server: a Vite server of its own would exit the process on SIGTERM or
  // when stdin ends, before the browser profile and staged outputs are cleaned up (lifecycle.ts does that). The
  // pages' Vite client connects its websocket to the same server (HMR itself is off): a websocket on Vite's default
  // port would be shared by two harnesses at once (parallel test files), and refuse the other's pages.
  const http = createHttpServer();
  const server: ViteDevServer = await createServer({
    root,
    configFile: join(root, 'vite.config.ts'),
    // Loaded in memory: the default loader writes a bundled copy of it beside it first (a run under a file-size
    // limit, or on a read-only checkout, must not fail there).
    configLoader: 'runner',
    // No pre-bundled dependencies either (their cache is written under node_modules/.vite): the browser code's
    // dependencies are ES modules, served as they are.
    optimizeDeps: { noDiscovery: true, include: [] },
    logLevel: 'error',
    plugins: [publisher],
    appType: 'spa',
    server: { middlewareMode: true, hmr: false, ws: { server: http } },
  });
  http.on('request', server.middlewares);
  let chromium: Chromium | null = null;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      unregister();
      await chromium?.close();
      http.closeAllConnections();
      await new Promise((done) => http.close(done));
      await server.close().catch(() => undefined);
    })();
    return closing;
  };
  const unregister = onInterrupt(close);
  try {
    await new Promise<void>((done, fail) => {
      http.once('error', fail);
      http.listen(0, '127.0.0.1', done);
    });
    const address = http.address();
    if (!address || typeof address === 'string') throw new Error('the local server did not start');
    const origin = `http://127.0.0.1:${address.port}`;
    chromium = await launchChromium(options.gpu ?? false, diagnosis);
    const { flags, said } = chromium;
    const launched = chromium.browser;
    return {
      origin,
      browser: launched,
      close,
      noWebGpu: (answer) => diagnosis(flags, answer, said),
      publish(name, bytes) {
        const path = `${kPublishedPath}${encodeURIComponent(name)}`;
        published.set(path, bytes);
        return path;
      },
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
