/** `npm start`: the dev server comes up and says which browser and flags the app needs. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('npm start', () => {
  it('prints the address, that WebGPU is needed, and the Chrome flags with and without a GPU', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn('npm', ['start', '--', '--port', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner in 60 s:\n${output}`)), 60_000);
        const read = (chunk: Buffer): void => {
          output += chunk.toString();
          if (/--use-vulkan=swiftshader .*http/.test(output)) {
            clearTimeout(timer);
            resolve();
          }
        };
        child.stdout.on('data', read);
        child.stderr.on('data', read);
        child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
      });
    } finally {
      child.kill('SIGTERM');
    }
    const url = output.match(/open (http:\/\/127\.0\.0\.1:\d+\/) in Chrome/)?.[1];
    expect(url, output).toBeDefined();
    expect(output).toContain('ReLUscope needs a browser with WebGPU');
    expect(output).toContain(`--enable-unsafe-webgpu --enable-features=Vulkan --use-angle=vulkan ${url}`);
    expect(output).toContain(
      `--enable-unsafe-webgpu --enable-features=Vulkan --use-vulkan=swiftshader --use-angle=vulkan ${url}`,
    );
  });
});
