/** Runs the command-line tools as a user would, and reads what they write. */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `script` with node as the npm scripts do (`node --import tsx`), or, when `program` is set, runs it itself. */
export function runCli(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
  program = false,
): Promise<CliResult> & { child: ReturnType<typeof spawn> } {
  const [command, all] = program ? [script, args] : [process.execPath, ['--import', 'tsx', script, ...args]];
  const child = spawn(command, all, { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return Object.assign(done, { child });
}

export function readPng(path: string): { width: number; height: number; data: Buffer } {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, data: png.data };
}

export function distinctColours(data: Buffer): number {
  const colours = new Set<number>();
  for (let i = 0; i < data.length; i += 4)
    colours.add(((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0));
  return colours.size;
}

/** Chromium processes started by the harness (their user-data-dir names them). */
export function harnessChromiums(): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.stdout.split('\n').filter((line) => line.includes('reluscope-chromium-') && !line.includes('ps -eo'));
}

/** The control characters in `text` other than newline and tab (a message must never carry raw bytes). */
export function controlCharacters(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && c !== '\n' && c !== '\t') || code === 0x7f;
  });
}
