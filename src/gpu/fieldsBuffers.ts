/**
 * The renderer's per-pixel buffers: two slots of fields (front: the last complete fields, which the colour pass and
 * the readbacks use; back: what a computation writes), the counters a computation keeps (statistics, then which
 * pixels it did), and the front fields' statistics. The slots swap when a computation completes, so an abandoned one
 * never spoils the last complete fields. Buffers are made anew only when the image size changes.
 */
import type { ImageSize } from '../model/view.ts';
import { GpuError } from './device.ts';
import { kLabelsBase, kLabelWords, kPixelField, kStatsWords, kTileSide, structSize } from './layout.ts';

/** A pair of per-pixel buffers: the fields records, and the theorem mode's integrand. */
export interface Slot {
  readonly fields: GPUBuffer;
  readonly theorem: GPUBuffer;
}

/** The usage of every buffer here (a function: GPUBufferUsage exists only where WebGPU does). */
const usage = (): GPUBufferUsageFlags => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Tiles of an image of `size` (kTileSide on a side, the last row and column cut). */
export function tilesOf(size: ImageSize): number {
  return Math.ceil(size.width / kTileSide) * Math.ceil(size.height / kTileSide);
}

export class FieldsBuffers {
  front: Slot | null = null;
  private back: Slot | null = null;
  /**
   * What the computation in progress counts (kStatsWords words), then which pixels of the back buffers it did
   * (from word kLabelsBase: kLabelWords words a tile, then a word a tile). Sized with the image.
   */
  counters: GPUBuffer | null = null;
  /** The statistics of the front fields: copied when a computation completes; the colour pass reads them. */
  readonly frontStats: GPUBuffer;

  constructor(
    private readonly device: GPUDevice,
    /** Called before buffers a computation may be writing are replaced (the size changed): it must give up. */
    private readonly replacing: () => void,
  ) {
    this.frontStats = device.createBuffer({
      label: 'Renderer.frontStats',
      size: kStatsWords * 4,
      usage: usage(),
    });
  }

  /** The back slot, if a computation may be writing it (a coarse stage shows it). */
  get backSlot(): Slot | null {
    return this.back;
  }

  /**
   * The back buffers the next computation writes, made anew only when the size changes (the front ones are then
   * dropped too: fields of another size are of no use). Returns whether the front fields were dropped.
   */
  backFor(size: ImageSize): { slot: Slot; frontDropped: boolean } {
    const bytes = size.width * size.height * structSize(kPixelField);
    const limit = this.device.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new GpuError(
        `an image of ${size.width}x${size.height} needs ${bytes} bytes of fields; the limit is ${limit}`,
      );
    }
    let frontDropped = false;
    if (this.front && this.front.fields.size !== bytes) {
      destroySlot(this.front);
      this.front = null;
      frontDropped = true;
    }
    if (this.back?.fields.size !== bytes) {
      destroySlot(this.back);
      this.back = this.makeSlot(this.front ? 'b' : 'a', size, bytes);
    }
    return { slot: this.back, frontDropped };
  }

  /** The counters of a computation of an image of `size`. */
  countersFor(size: ImageSize): GPUBuffer {
    const bytes = (kLabelsBase + tilesOf(size) * (kLabelWords + 1)) * 4;
    if (this.counters?.size !== bytes) {
      this.replacing();
      this.counters?.destroy();
      this.counters = this.device.createBuffer({ label: 'Renderer.counters', size: bytes, usage: usage() });
    }
    return this.counters;
  }

  /** A computation into `slot` completed: it becomes the front slot, with the counters' statistics. */
  swap(slot: Slot): void {
    const encoder = this.device.createCommandEncoder({ label: 'Renderer.complete' });
    encoder.copyBufferToBuffer(this.counters as GPUBuffer, 0, this.frontStats, 0, kStatsWords * 4);
    this.device.queue.submit([encoder.finish()]);
    this.back = this.front;
    this.front = slot;
  }

  destroy(): void {
    destroySlot(this.front);
    destroySlot(this.back);
    this.counters?.destroy();
    this.frontStats.destroy();
  }

  private makeSlot(name: string, size: ImageSize, bytes: number): Slot {
    return {
      fields: this.device.createBuffer({ label: `Renderer.fields.${name}`, size: bytes, usage: usage() }),
      theorem: this.device.createBuffer({
        label: `Renderer.theorem.${name}`,
        size: size.width * size.height * 4,
        usage: usage(),
      }),
    };
  }
}

function destroySlot(slot: Slot | null): void {
  slot?.fields.destroy();
  slot?.theorem.destroy();
}
