/**
 * The first grid of a picture computed by the float64 oracle on the CPU while the GPU compiles the shader its own
 * grids need: on a first visit that compile takes 0.3 to 0.7 s on SwiftShader, the oracle's first grid a few tens of
 * milliseconds (the default 3 x 32 net's 260 pixels: 40 ms; a 4 x 1024 net's 20: 0.25 s). Exact, and written into
 * the back buffers as the passes write them (records, marks of the pixels done, statistics), so the GPU's grids go on
 * from it. The theorem mode's integrand is the GPU's only.
 */
import type { Net } from '../model/net.ts';
import { pointOracle } from '../model/oracle.ts';
import { type ImageSize, pixelCentre, pixelSize } from '../model/view.ts';
import type { FieldsRequest, FieldsTarget } from './fieldsRequest.ts';
import {
  kLabelsBase,
  kLabelWords,
  kNoBoundary,
  kPixelField,
  kStat,
  kStatsWords,
  kTileSide,
  structSize,
} from './layout.ts';

/** The most a first grid may cost the CPU (it runs on the page's thread, once, before the shader is ready). */
const kCpuGridMs = 300;

/** The pixels of the grid of `stride` in an image of `size`. */
export function gridPixels(size: ImageSize, stride: number): number {
  return Math.ceil(size.width / stride) * Math.ceil(size.height / stride);
}

/** The oracle's time for `pixels` evaluations of `macs` multiply-adds (measured: 0.15 ms a point, 1.5 ns a MAC). */
function cpuMs(pixels: number, macs: number): number {
  return pixels * (0.15 + macs * 1.5e-6);
}

/** Whether the first grid of `stride` is the CPU's for evaluations of `macs` (theorem mode: never). */
export function cpuGridFits(request: FieldsRequest, stride: number, macs: number): boolean {
  return request.theoremSigmaB === undefined && cpuMs(gridPixels(request.size, stride), macs) <= kCpuGridMs;
}

/** An order-preserving u32 key of an f32 value (shaders/common.wgsl orderedKey). */
function orderedKey(x: number): number {
  const bits = new Uint32Array(Float32Array.of(x).buffer)[0] ?? 0;
  return (bits & 0x80000000 ? ~bits : bits | 0x80000000) >>> 0;
}

/**
 * Computes the grid of `stride` of `request` for `net` (the net as read; the passes draw it balanced, its outputs
 * 2^outputExponent times) and writes it into `target`, whose counters were just cleared. Returns the statistics
 * words as the passes would have left them.
 */
export function writeCpuGrid(
  device: GPUDevice,
  net: Net,
  outputExponent: number,
  request: FieldsRequest,
  target: FieldsTarget,
  stride: number,
): Uint32Array {
  const { size, view } = request;
  const full = request.fullSize ?? size;
  const [ox, oy] = request.origin ?? [0, 0];
  const pixel = pixelSize(view, full);
  const scale = 2 ** outputExponent;
  const oracle = pointOracle(net, request.layersShown, request.outputUnit ?? 0);
  const tilesX = Math.ceil(size.width / kTileSide);
  const tiles = tilesX * Math.ceil(size.height / kTileSide);
  const labels = new Uint32Array(tiles * kLabelWords);
  const record = new ArrayBuffer(structSize(kPixelField));
  const u32 = new Uint32Array(record);
  const f32 = new Float32Array(record);
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  let largest = 0;
  let count = 0;
  for (let j = 0; j < size.height; j += stride) {
    for (let i = 0; i < size.width; i += stride) {
      const fields = oracle(...pixelCentre(view, full, ox + i, oy + j));
      const toPixels = (d: number): number => (Number.isFinite(d) ? d / pixel : kNoBoundary);
      let output = 0;
      let slope = 0;
      if (request.decision) {
        output = fields.decision.predicted;
        slope = toPixels(fields.decision.distance);
      } else if (request.computeOutput) {
        output = fields.output * scale;
        slope = Math.hypot(...fields.outputGradient) * pixel * scale;
      }
      u32.set([fields.hash[0], fields.hash[1]], 0);
      f32[2] = toPixels(fields.distance);
      u32[3] = fields.nearestLayer;
      f32[4] = output;
      f32[5] = slope;
      device.queue.writeBuffer(target.fields, (j * size.width + i) * structSize(kPixelField), record);
      const q = (j % kTileSide) * kTileSide + (i % kTileSide);
      const tile = Math.floor(j / kTileSide) * tilesX + Math.floor(i / kTileSide);
      labels[tile * kLabelWords + (q >> 5)] = ((labels[tile * kLabelWords + (q >> 5)] ?? 0) | (1 << (q & 31))) >>> 0;
      if (request.computeOutput) {
        const value = Math.fround(output);
        low = Math.min(low, value);
        high = Math.max(high, value);
        largest = Math.max(largest, Math.abs(value));
      }
      count++;
    }
  }
  device.queue.writeBuffer(target.counters, kLabelsBase * 4, labels);
  const stats = new Uint32Array(kStatsWords);
  stats[kStat.evaluations] = count;
  stats[kStat.pixelsDone] = count;
  if (request.computeOutput && count > 0) {
    stats[kStat.outputMax] = new Uint32Array(Float32Array.of(largest).buffer)[0] ?? 0;
    stats[kStat.outputLow] = ~orderedKey(low) >>> 0;
    stats[kStat.outputHigh] = orderedKey(high);
  }
  device.queue.writeBuffer(target.counters, 0, stats);
  return stats;
}
