/** Reading GPU results back to the CPU: buffers, textures, and the per-pixel fields decoded from their layout. */
import { scaleByPowerOfTwo } from '../model/balance.ts';
import type { ImageSize } from '../model/view.ts';
import { fieldIndex, kNoBoundary, kPixelField, structSize } from './layout.ts';

/** Per-pixel fields read back from the GPU, row-major from the top-left pixel. */
export interface FieldsData {
  readonly size: ImageSize;
  readonly hashLo: Uint32Array;
  readonly hashHi: Uint32Array;
  /** Distance to the nearest boundary in input units (Infinity where no neuron has a line). */
  readonly distance: Float64Array;
  /** The same in pixels. */
  readonly distancePixels: Float64Array;
  readonly layer: Uint32Array;
  /**
   * The network output (float64: the GPU's value of the balanced net, scaled back exactly; may be Infinity); in the
   * decision mode the class.
   */
  readonly output: Float64Array;
  /** The decision mode's distance to the decision boundary in input units (Infinity: none); absent in other modes. */
  readonly decisionDistance?: Float64Array;
}

/** A copy of a buffer's contents (the buffer needs COPY_SRC). */
export async function readBuffer(device: GPUDevice, source: GPUBuffer): Promise<ArrayBuffer> {
  const staging = device.createBuffer({
    label: 'readback.buffer',
    size: source.size,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = device.createCommandEncoder({ label: 'readback.copyBuffer' });
  encoder.copyBufferToBuffer(source, 0, staging, 0, source.size);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const copy = staging.getMappedRange().slice(0);
  staging.destroy();
  return copy;
}

/** The texels of a 4-byte-per-texel texture (it needs COPY_SRC), rows packed without padding, in its own order. */
export async function readTexture(device: GPUDevice, texture: GPUTexture): Promise<Uint8Array> {
  const { width, height } = texture;
  const bytesPerRow = Math.ceil((width * 4) / 256) * 256;
  const buffer = device.createBuffer({
    label: 'readback.texture',
    size: bytesPerRow * height,
    usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
  });
  const encoder = device.createCommandEncoder({ label: 'readback.copyTexture' });
  encoder.copyTextureToBuffer({ texture }, { buffer, bytesPerRow }, [width, height]);
  device.queue.submit([encoder.finish()]);
  await buffer.mapAsync(GPUMapMode.READ);
  const rows = new Uint8Array(buffer.getMappedRange());
  const texels = new Uint8Array(width * height * 4);
  for (let j = 0; j < height; j++) {
    texels.set(rows.subarray(j * bytesPerRow, j * bytesPerRow + width * 4), j * width * 4);
  }
  buffer.destroy();
  return texels;
}

/**
 * Splits the fields buffer's records (kPixelField) into columns; `pixelSize` converts distances to input units, and
 * outputs are 2^-outputExponent times the records' (the GPU draws the balanced net, src/model/balance.ts). With
 * `decision`, the output is the class as it is, and the distance to the decision boundary is read too.
 */
export function decodeFields(
  words: Uint32Array,
  size: ImageSize,
  pixelSize: number,
  outputExponent = 0,
  decision = false,
): FieldsData {
  const floats = new Float32Array(words.buffer, words.byteOffset, words.length);
  const stride = structSize(kPixelField) / 4;
  const pixels = size.width * size.height;
  const column = (name: string): number => fieldIndex(kPixelField, name);
  const [hashLo, hashHi, distance, layer, output, slope] = [
    'hashLo',
    'hashHi',
    'distance',
    'layer',
    'output',
    'outputSlope',
  ].map(column);
  const toInput = (d: number): number => (d >= kNoBoundary ? Number.POSITIVE_INFINITY : d * pixelSize);
  const data: FieldsData = {
    size,
    hashLo: new Uint32Array(pixels),
    hashHi: new Uint32Array(pixels),
    distance: new Float64Array(pixels),
    distancePixels: new Float64Array(pixels),
    layer: new Uint32Array(pixels),
    output: new Float64Array(pixels),
    ...(decision ? { decisionDistance: new Float64Array(pixels) } : {}),
  };
  for (let p = 0; p < pixels; p++) {
    const base = p * stride;
    data.hashLo[p] = words[base + (hashLo ?? 0)] ?? 0;
    data.hashHi[p] = words[base + (hashHi ?? 0)] ?? 0;
    const d = floats[base + (distance ?? 0)] ?? kNoBoundary;
    const inPixels = d >= kNoBoundary ? Number.POSITIVE_INFINITY : d;
    data.distancePixels[p] = inPixels;
    data.distance[p] = inPixels * pixelSize;
    data.layer[p] = words[base + (layer ?? 0)] ?? 0;
    const value = floats[base + (output ?? 0)] ?? 0;
    data.output[p] = decision ? value : scaleByPowerOfTwo(value, -outputExponent);
    if (data.decisionDistance) data.decisionDistance[p] = toInput(floats[base + (slope ?? 0)] ?? kNoBoundary);
  }
  return data;
}
