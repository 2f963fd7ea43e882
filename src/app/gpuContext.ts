/**
 * The app's GPU: device, canvas context, renderer and preview pass, made together; errors outside every error scope
 * shown as messages; a lost device (driver reset, GPU process crash) replaced by a new one with the same net.
 */

import { BlitPass } from '../gpu/blitPass.ts';
import { GpuError, requestDevice } from '../gpu/device.ts';
import { Renderer } from '../gpu/renderer.ts';
import type { Network } from '../model/graph/graph.ts';

export interface Gpu {
  readonly device: GPUDevice;
  readonly renderer: Renderer;
  /** The preview pass, once made (after the renderer, aside: a first picture does not wait for it); why it failed. */
  blitPass: BlitPass | null;
  blitFailure: string | null;
  readonly context: GPUCanvasContext;
}

/**
 * The adapter index.html asked for before the app's script loaded (starting the GPU process takes most of a second on
 * a first visit); taken once: a device lost later asks anew.
 */
function earlyAdapter(): Promise<GPUAdapter | null> | undefined {
  const page = window as { reluscopeAdapter?: Promise<GPUAdapter | null> | undefined };
  const request = page.reluscopeAdapter;
  page.reluscopeAdapter = undefined;
  return request;
}

export async function createGpu(canvas: HTMLCanvasElement): Promise<Gpu> {
  const device = await requestDevice(navigator.gpu, 'ReLUscope.device', earlyAdapter());
  const context = canvas.getContext('webgpu');
  if (!context) throw new GpuError('the canvas has no WebGPU context');
  const format = navigator.gpu.getPreferredCanvasFormat();
  context.configure({
    device,
    format,
    alphaMode: 'opaque',
    usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_DST,
  });
  const renderer = await Renderer.create(device, format);
  const gpu: Gpu = { device, renderer, blitPass: null, blitFailure: null, context };
  BlitPass.create(device, format).then(
    (pass) => {
      gpu.blitPass = pass;
    },
    (error: Error) => {
      gpu.blitFailure = error.message;
    },
  );
  return gpu;
}

export interface GpuWatcher {
  /** A message for the user. */
  error(text: string): void;
  /** The net to upload to a new device. */
  net(): Network;
  /** A new device replaced a lost one: everything made on the old one is gone. */
  replaced(gpu: Gpu): void;
  /** True once the app ended on purpose (its own destroy is not a loss to recover from). */
  ended(): boolean;
}

/** Shows errors no scope caught, and replaces the device when it is lost (watching the new one in turn). */
export function watchGpu(gpu: Gpu, canvas: HTMLCanvasElement, watcher: GpuWatcher): void {
  gpu.device.addEventListener('uncapturederror', (event) => {
    watcher.error(`GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  void gpu.device.lost.then(async (info) => {
    if (watcher.ended()) return;
    watcher.error(`the GPU device was lost (${info.message || 'no reason given'}); re-creating it`);
    try {
      const next = await createGpu(canvas);
      next.renderer.setNet(watcher.net());
      watchGpu(next, canvas, watcher);
      watcher.replaced(next);
    } catch (error) {
      watcher.error(`could not re-create the GPU device: ${(error as Error).message}`);
    }
  });
}
