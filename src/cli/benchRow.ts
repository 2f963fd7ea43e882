/** A row of `npm run bench`'s frames table (bench.ts; graphBench.ts for network graphs). */
import type { Algorithm } from '../gpu/layout.ts';

export interface BenchRow {
  widths: number[];
  /** A bundled graph net (graphBench.ts) instead of a random MLP of `widths`. */
  net?: string;
  /** One evaluation per region that holds a pixel centre (graphBench.ts). */
  floorEvalsPerPixel?: number;
  width: number;
  height: number;
  mode: Algorithm | 'numpy';
  msPerFrame: number;
  fullEvalsPerPixel: number;
  span: number;
  layers: number;
  frames: number;
  /** Milliseconds of a frame that only recolours (the fields unchanged). */
  colourMs?: number;
  /** Set when the frame was timed on a centre crop of this many pixels and scaled (brute force is linear in pixels). */
  measuredPixels?: number;
}
