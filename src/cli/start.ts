/**
 * `npm start`: the app as a user meets it, built once and served from 127.0.0.1 (Vite's preview server). The build is
 * made again only when a source changed since the last one (index.html, src, shaders, models, the lock file, the Vite
 * config): a first visit then loads one script instead of a hundred modules transformed on request (the dev server's
 * way, `npm run dev`, for working on the code). Flags: --port N, --host H (default 127.0.0.1).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, preview } from 'vite';

const kRoot = resolve(import.meta.dirname, '../..');
const kOut = join(kRoot, 'dist');
/** Written after a build: its time is the build's. */
const kStamp = join(kOut, '.built');
const kInputs = ['index.html', 'vite.config.ts', 'package-lock.json', 'src', 'shaders', 'models'];

/** The newest modification time among `path` and the files below it. */
function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

function stale(): boolean {
  if (!existsSync(kStamp)) return true;
  const built = statSync(kStamp).mtimeMs;
  return kInputs.some((input) => newest(join(kRoot, input)) > built);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { port: { type: 'string' }, host: { type: 'string' } },
  });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`--port ${values.port}: expected a port number`);
  }
  const configFile = join(kRoot, 'vite.config.ts');
  if (stale()) {
    const start = performance.now();
    process.stdout.write('[reluscope] building the app (once, and again when a source changes)…\n');
    await build({ root: kRoot, configFile, configLoader: 'runner', logLevel: 'warn' });
    writeFileSync(kStamp, '');
    process.stdout.write(`[reluscope] built in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  }
  const server = await preview({
    root: kRoot,
    configFile,
    configLoader: 'runner',
    preview: { host: values.host ?? '127.0.0.1', ...(port === undefined ? {} : { port, strictPort: true }) },
  });
  server.printUrls();
}

main().catch((error: Error) => {
  process.stderr.write(`npm start: ${error.message}\n`);
  process.exitCode = 1;
});
