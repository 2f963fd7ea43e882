/**
 * `npm run doctor`: what the headless renderer runs on. Prints the Chromium binary and version, the flags, and the
 * WebGPU adapter with its limits; exits 3 with one paragraph of what was tried and what to install when WebGPU
 * cannot start. CI prints it before the tests.
 */

import { chromiumFlags } from './chromiumFlags.ts';
import { type Command, runCommand } from './commandLine.ts';
import { chromiumVersion, kChromium, startHarness, WebGpuUnavailableError } from './harness.ts';
import { handleSignals } from './lifecycle.ts';
import { Shooter } from './shooter.ts';

const kDoctorCommand: Command = {
  name: 'doctor',
  summary: 'What the headless renderer runs on: Chromium, its flags, the WebGPU adapter and its limits.',
  flags: [{ name: 'gpu', help: "the flags for the machine's GPU (default: SwiftShader)", group: 'flags' }],
  epilogue: 'Exit codes: 0 WebGPU works, 1 failed otherwise, 2 bad arguments, 3 no WebGPU (with what was tried).',
};

async function main(argv: readonly string[]): Promise<number> {
  const options = runCommand(kDoctorCommand, argv, (values) => ({ gpu: values.gpu === true }));
  if (typeof options === 'number') return options;
  handleSignals('doctor');
  const { gpu } = options;
  process.stdout.write(`Chromium: ${kChromium} (${chromiumVersion()})\n`);
  process.stdout.write(`flags: ${chromiumFlags(gpu, 'PROFILE').join(' ')}\n`);
  const harness = await startHarness({ gpu }).catch((error: Error) => error);
  if (harness instanceof Error) {
    process.stderr.write(`doctor: ${harness.message}\n`);
    return harness instanceof WebGpuUnavailableError ? 3 : 1;
  }
  try {
    const shooter = await Shooter.open(harness);
    const { adapter, maxTextureDimension2D, maxStorageBufferBindingSize } = shooter.info;
    process.stdout.write(`WebGPU adapter: ${adapter || 'unnamed'}\n`);
    process.stdout.write(
      `limits: maxTextureDimension2D ${maxTextureDimension2D}, maxStorageBufferBindingSize ${maxStorageBufferBindingSize}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`doctor: ${(error as Error).message}\n`);
    return error instanceof WebGpuUnavailableError ? 3 : 1;
  } finally {
    await harness.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
