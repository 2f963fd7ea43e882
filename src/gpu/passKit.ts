/**
 * What every pass builds the same way: bind groups whose entries are named by the WGSL variables they bind (the
 * binding numbers are read from the shader, so the TypeScript side never repeats them), shader variants compiled
 * once each, and sets of buffers that are made and destroyed together.
 */
import { createCheckedModule, GpuError } from './device.ts';
import { buildShader, type Defines } from './shaderSource.ts';

/** The binding numbers of a shader's `@group(0) @binding(N) var<...> name` declarations, by variable name. */
export function bindingsOf(code: string): Map<string, number> {
  const bindings = new Map<string, number>();
  for (const match of code.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var(?:<[^>]*>)?\s+(\w+)/g)) {
    bindings.set(match[2] ?? '', Number(match[1]));
  }
  return bindings;
}

/** A bind group layout and its bind groups, entries named by the shader's variables. */
export class NamedBindings<Name extends string> {
  readonly layout: GPUBindGroupLayout;
  private readonly numbers: Map<string, number>;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    code: string,
    entries: Readonly<Record<Name, Omit<GPUBindGroupLayoutEntry, 'binding'>>>,
  ) {
    this.numbers = bindingsOf(code);
    const names = Object.keys(entries) as Name[];
    const unbound = [...this.numbers.keys()].filter((n) => !names.includes(n as Name));
    const missing = names.filter((n) => !this.numbers.has(n));
    if (unbound.length > 0 || missing.length > 0) {
      throw new GpuError(`${label}: the shader binds [${unbound}] and not [${missing}] that the pass names`);
    }
    this.layout = device.createBindGroupLayout({
      label: `${label}.bindGroupLayout`,
      entries: names.map((name) => ({ ...entries[name], binding: this.numbers.get(name) ?? 0 })),
    });
  }

  /** The binding number of a variable (tests compare them with the WGSL). */
  binding(name: Name): number {
    return this.numbers.get(name) ?? -1;
  }

  group(label: string, resources: Readonly<Record<Name, GPUBindingResource>>): GPUBindGroup {
    return this.device.createBindGroup({
      label: `${this.label}.${label}`,
      layout: this.layout,
      entries: (Object.keys(resources) as Name[]).map((name) => ({
        binding: this.numbers.get(name) ?? 0,
        resource: resources[name],
      })),
    });
  }
}

/** Layout entries for compute shaders (functions: GPUShaderStage exists only where WebGPU does). */
export const kCompute = {
  uniform: (dynamic = false, minBindingSize = 0): Omit<GPUBindGroupLayoutEntry, 'binding'> => ({
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type: 'uniform', hasDynamicOffset: dynamic, minBindingSize },
  }),
  read: (): Omit<GPUBindGroupLayoutEntry, 'binding'> => ({
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type: 'read-only-storage' },
  }),
  write: (): Omit<GPUBindGroupLayoutEntry, 'binding'> => ({
    visibility: GPUShaderStage.COMPUTE,
    buffer: { type: 'storage' },
  }),
};

/**
 * Compiled variants of one shader (its `#if NAME` blocks resolved against boolean defines): each compiled once, on
 * first use, with its compilation messages checked.
 */
export class ShaderVariants<T> {
  private readonly made = new Map<string, Promise<T>>();
  /** The variants compiled (their promises resolved). */
  private readonly compiled = new Set<string>();

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly parts: readonly string[],
    private readonly build: (module: GPUShaderModule, defines: Defines) => T | Promise<T>,
  ) {}

  /** Whether the variant of `defines` is compiled (get would resolve at once). */
  ready(defines: Defines): boolean {
    return this.compiled.has(JSON.stringify(Object.entries(defines).sort()));
  }

  get(defines: Defines): Promise<T> {
    const key = JSON.stringify(Object.entries(defines).sort());
    let variant = this.made.get(key);
    if (!variant) {
      const on = Object.entries(defines)
        .filter(([, v]) => v)
        .map(([k]) => k);
      const label = `${this.label}${on.length > 0 ? `[${on.join(',')}]` : ''}`;
      variant = createCheckedModule(this.device, label, buildShader(this.parts, defines)).then((m) =>
        this.build(m, defines),
      );
      // A variant that failed is tried again next time (the failure is reported where it was awaited).
      variant.then(
        () => this.compiled.add(key),
        () => this.made.delete(key),
      );
      this.made.set(key, variant);
    }
    return variant;
  }
}

/** Buffers made together and destroyed together (a pass's buffers for one net, or for one image size). */
export class BufferSet {
  private readonly buffers: GPUBuffer[] = [];

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
  ) {}

  /** A buffer of `size` bytes; with `data`, filled at creation. */
  make(name: string, size: number, usage: GPUBufferUsageFlags, data?: ArrayBufferView): GPUBuffer {
    const buffer = this.device.createBuffer({
      label: `${this.label}.${name}`,
      size: Math.max(4, Math.ceil(size / 4) * 4),
      usage,
      mappedAtCreation: data !== undefined,
    });
    if (data) {
      new Uint8Array(buffer.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      buffer.unmap();
    }
    this.buffers.push(buffer);
    return buffer;
  }

  destroy(): void {
    for (const buffer of this.buffers.splice(0)) buffer.destroy();
  }
}
