/**
 * Device setup and the ways a GPU fails: no adapter, shader compilation errors, validation errors, device loss.
 * Nothing here renders garbage silently: every failure becomes an exception with a message a user can act on.
 */

export class NoWebGPUError extends Error {
  constructor(reason: string) {
    super(
      `WebGPU is not available: ${reason}. Use a recent Chrome or Edge; on Linux start it with ` +
        '--enable-unsafe-webgpu --enable-features=Vulkan (or enable chrome://flags/#enable-unsafe-webgpu).',
    );
    this.name = 'NoWebGPUError';
  }
}

export class GpuError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GpuError';
  }
}

/** Limits raised to what the adapter offers, for big nets and big images. */
const kRaisedLimits = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupsPerDimension'] as const;

/** The adapter request of every page: the app's index.html makes it before its script loads (the same options). */
export const kAdapterOptions: GPURequestAdapterOptions = { powerPreference: 'high-performance' };

/** A device with the raised limits, from `adapter` (a request already made) or a new request. */
export async function requestDevice(
  gpu: GPU | undefined,
  label = 'ReLUscope.device',
  adapterRequest?: Promise<GPUAdapter | null>,
): Promise<GPUDevice> {
  if (!gpu) throw new NoWebGPUError('navigator.gpu is missing');
  const adapter = await (adapterRequest ?? gpu.requestAdapter(kAdapterOptions));
  if (!adapter) throw new NoWebGPUError('no GPU adapter was found');
  const requiredLimits: Record<string, number> = {};
  for (const name of kRaisedLimits) requiredLimits[name] = adapter.limits[name];
  return adapter.requestDevice({ label, requiredLimits });
}

/** Creates a shader module and throws with the compiler's messages if it has errors. */
export async function createCheckedModule(device: GPUDevice, label: string, code: string): Promise<GPUShaderModule> {
  const module = device.createShaderModule({ label, code });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length > 0) {
    const lines = errors.map((m) => `${label}:${m.lineNum}:${m.linePos}: ${m.message}`);
    throw new GpuError(`shader compilation failed:\n${lines.join('\n')}`);
  }
  return module;
}

/** Runs `work` inside validation and out-of-memory error scopes; throws if either caught an error. */
export async function withErrorScopes<T>(device: GPUDevice, what: string, work: () => T | Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: { value: T } | { thrown: unknown };
  try {
    result = { value: await work() };
  } catch (thrown) {
    result = { thrown };
  }
  // Pop both scopes whatever happened, so that the device's scope stack stays balanced.
  const validation = await device.popErrorScope();
  const memory = await device.popErrorScope();
  const error = validation ?? memory;
  if (error) throw new GpuError(`${what}: ${error.message}`);
  if ('thrown' in result) throw result.thrown;
  return result.value;
}
