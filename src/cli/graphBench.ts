/**
 * The benchmark's network graphs: the bundled MNIST CNN and small residual net (models/, ONNX) on the plane through
 * three test images, at the view that shows the three images and zoomed in on the first one, both algorithms. Each
 * row has the frame's milliseconds, the evaluations a pixel, and the floor: one evaluation per region that holds a
 * pixel centre (the distinct patterns among the pixels, read from the fields; the GPU's patterns are tested equal to
 * the float64 oracle's), which the region-seeded pass can at best reach.
 */
import { depthOf, graphEvaluationMacs, isGraph } from '../model/graph/graph.ts';
import { type NetSource, resolveNet } from '../model/netSource.ts';
import { seeNetworkThrough, viewOfMarks } from '../model/plane.ts';
import type { View } from '../model/view.ts';
import { kDefaultSettings } from '../settings/settings.ts';
import type { BenchRow } from './benchRow.ts';
import { nodeDigits } from './mnistFiles.ts';
import { netSource } from './netChoice.ts';
import type { Shooter } from './shooter.ts';

export interface GraphBenchCase {
  /** A bundled net (models/). */
  readonly net: string;
  readonly width: number;
  readonly height: number;
  /** The view: the three images' (null), or one given. */
  readonly view: View | null;
}

export const kGraphCases: GraphBenchCase[] = [
  { net: 'mnist-cnn', width: 256, height: 192, view: null },
  { net: 'mnist-cnn', width: 256, height: 192, view: { cx: 0, cy: 0, span: 0.06 } },
  { net: 'mnist-resnet', width: 256, height: 192, view: null },
  { net: 'mnist-resnet', width: 256, height: 192, view: { cx: 0, cy: 0, span: 0.06 } },
];

/** Frames above this many multiply-adds (on a machine without a GPU) are timed on a centre crop and scaled. */
const kCpuMacBudget = 1e9;

async function resolved(name: string) {
  const source: NetSource = await netSource(null, { ...kDefaultSettings, net: name });
  return seeNetworkThrough(resolveNet(source), '', nodeDigits);
}

export async function measureGraphCases(
  shooter: Shooter,
  cases: readonly GraphBenchCase[],
  options: { frames: number; maxSeconds: number; gpu: boolean; only: 'fast' | 'brute' | null },
  report: (row: BenchRow) => void,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const c of cases) {
    const sliced = await resolved(c.net);
    if (!isGraph(sliced.net)) throw new Error(`${c.net} is not a graph`);
    await shooter.setNet(sliced.net);
    const full = c.view ?? viewOfMarks(sliced.plane, c.width / c.height) ?? { cx: 0, cy: 0, span: 1 };
    const macs = graphEvaluationMacs(sliced.net);
    let [width, height] = [c.width, c.height];
    let measuredPixels: number | undefined;
    if (!options.gpu && macs * width * height > kCpuMacBudget) {
      const side = Math.max(16, Math.floor(Math.sqrt(kCpuMacBudget / macs) / 16) * 16);
      [width, height] = [Math.min(side, c.width), Math.min(side, c.height)];
      measuredPixels = width * height;
    }
    // A crop keeps the pixel size of the full frame: the same span per pixel, centred.
    const view = { ...full, span: (full.span * width) / c.width };
    const request = (algorithm: 'fast' | 'brute', fields: boolean) => ({
      view,
      width,
      height,
      layersShown: depthOf(sliced.net),
      mode: 'regions' as const,
      palette: 'vivid' as const,
      edgeWidth: 1,
      algorithm,
      pixels: true,
      fields,
    });
    const floor = await shooter.shoot(request('fast', true));
    const floorEvalsPerPixel = (floor.patterns ?? 0) / (width * height);
    for (const algorithm of (['brute', 'fast'] as const).filter((a) => options.only === null || a === options.only)) {
      const reply = await shooter.bench(request(algorithm, false), options.frames, options.maxSeconds);
      const scale = measuredPixels ? (c.width * c.height) / measuredPixels : 1;
      const sorted = [...reply.ms].sort((a, b) => a - b);
      const row: BenchRow = {
        widths: [],
        net: c.net,
        width: c.width,
        height: c.height,
        mode: algorithm,
        msPerFrame: (sorted[Math.floor(sorted.length / 2)] ?? 0) * scale,
        fullEvalsPerPixel: reply.evaluations / reply.pixels,
        floorEvalsPerPixel,
        span: Number(full.span.toPrecision(3)),
        layers: depthOf(sliced.net),
        frames: reply.ms.length,
        colourMs: reply.colourMs,
        ...(measuredPixels ? { measuredPixels } : {}),
      };
      rows.push(row);
      report(row);
    }
  }
  return rows;
}
