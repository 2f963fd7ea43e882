import type { HttpServer } from 'vite';
import { defineConfig, type Logger, type Plugin, type ResolvedServerUrls } from 'vite';
import { webGpuFlags } from './src/cli/chromiumFlags.ts';

/** What the app needs, said once the server listens: a browser with WebGPU, and on Linux the flags that turn it on. */
function sayBrowser(server: {
  httpServer: HttpServer | null;
  resolvedUrls: ResolvedServerUrls | null;
  config: { logger: Logger };
}): void {
  server.httpServer?.once('listening', () => {
    // After Vite's own banner, printed once the server listens.
    setTimeout(() => {
      const url = server.resolvedUrls?.local[0] ?? 'the address above';
      server.config.logger.info(
        [
          '',
          `  ReLUscope needs a browser with WebGPU: open ${url} in Chrome or Edge 113 or later.`,
          '  On Linux WebGPU may be off; start Chrome (or Chromium) with',
          `    google-chrome ${webGpuFlags(true).join(' ')} ${url}`,
          '  and without a GPU, on the CPU (SwiftShader; big nets show coarse previews first):',
          `    chromium ${webGpuFlags(false).join(' ')} ${url}`,
          '',
        ].join('\n'),
      );
    }, 0);
  });
}

/** `npm start` (the built app, src/cli/start.ts) and `npm run dev` say what the app needs. */
function browserBanner(): Plugin {
  return {
    name: 'reluscope-browser-banner',
    configureServer: sayBrowser,
    configurePreviewServer: sayBrowser,
  };
}

export default defineConfig({
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  build: { target: 'es2022' },
  // protobufjs (the ONNX reader) is CommonJS: pre-bundled for the dev server, as the build converts it.
  optimizeDeps: { include: ['protobufjs/light.js'] },
  plugins: [browserBanner()],
});
