/** The preview pass (shaders/blit.wgsl): the last picture, moved and scaled to a new view, drawn at once. */
import blitWgsl from '../../shaders/blit.wgsl?raw';
import fullscreenWgsl from '../../shaders/fullscreen.wgsl?raw';
import { type ImageSize, pixelSize, type View } from '../model/view.ts';
import { createCheckedModule, withErrorScopes } from './device.ts';
import { createUniform, kBlitParams, packStruct } from './layout.ts';
import { buildShader } from './shaderSource.ts';

export class BlitPass {
  private readonly params: GPUBuffer;
  private readonly sampler: GPUSampler;

  private constructor(
    private readonly device: GPUDevice,
    private readonly pipeline: GPURenderPipeline,
  ) {
    this.params = createUniform(device, 'BlitPass.params', kBlitParams);
    this.sampler = device.createSampler({ label: 'BlitPass.sampler', magFilter: 'nearest', minFilter: 'linear' });
  }

  static async create(device: GPUDevice, format: GPUTextureFormat): Promise<BlitPass> {
    const module = await createCheckedModule(device, 'blit.wgsl', buildShader([fullscreenWgsl, blitWgsl]));
    // Made asynchronously: compiled aside, not in the GPU process's queue (the app's first picture does not wait).
    return withErrorScopes(device, 'creating the preview pipeline', async () => {
      const pipeline = await device.createRenderPipelineAsync({
        label: 'BlitPass.pipeline',
        layout: 'auto',
        vertex: { module, entryPoint: 'fullscreen' },
        fragment: { module, entryPoint: 'preview', targets: [{ format }] },
        primitive: { topology: 'triangle-list' },
      });
      return new BlitPass(device, pipeline);
    });
  }

  /** Draws `source`, rendered for `from`, as it would appear under `to` (same image size), into `target`. */
  encode(encoder: GPUCommandEncoder, source: GPUTexture, from: View, to: View, target: GPUTextureView): void {
    const size: ImageSize = { width: source.width, height: source.height };
    const s0 = pixelSize(from, size);
    const s1 = pixelSize(to, size);
    const scale = s0 / s1;
    // Target pixel of source pixel corner (0, 0): x1 = (x0 - W/2) * s0/s1 + (c0 - c1)/s1 + W/2, y likewise, y up.
    const offsetX = (-size.width / 2) * scale + (from.cx - to.cx) / s1 + size.width / 2;
    const offsetY = (-size.height / 2) * scale - (from.cy - to.cy) / s1 + size.height / 2;
    const params = packStruct(kBlitParams, {
      scale,
      offsetX,
      offsetY,
      sourceWidth: size.width,
      sourceHeight: size.height,
    });
    this.device.queue.writeBuffer(this.params, 0, params);
    const bindGroup = this.device.createBindGroup({
      label: 'BlitPass.bindGroup',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: this.params } },
        { binding: 1, resource: source.createView() },
        { binding: 2, resource: this.sampler },
      ],
    });
    const pass = encoder.beginRenderPass({
      label: 'BlitPass.pass',
      colorAttachments: [{ view: target, loadOp: 'clear', storeOp: 'store', clearValue: [0.12, 0.12, 0.12, 1] }],
    });
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.draw(3);
    pass.end();
  }

  destroy(): void {
    this.params.destroy();
  }
}
