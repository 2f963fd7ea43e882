/**
 * Times the exact region enumeration (src/analysis/polygons.ts) on random nets; too slow for the unit tests.
 *   npx tsx scripts/enumerate-regions.ts                       the reference cases below
 *   npx tsx scripts/enumerate-regions.ts 128,128,128,128 0 0 2  widths, centre x, centre y, span (sigmaB 0.1, seed 1)
 */
import { enumerateRegions } from '../src/analysis/polygons.ts';
import { randomNet } from '../src/model/random.ts';

interface Case {
  readonly widths: number[];
  readonly cx: number;
  readonly cy: number;
  readonly span: number;
}

const kCases: Case[] = [
  { widths: [64, 64, 64], cx: 0.3, cy: 0.2, span: 2 },
  { widths: [1024, 1024, 1024, 1024], cx: 0.3, cy: 0.2, span: 0.01 },
  { widths: [128, 128, 128], cx: 0, cy: 0, span: 4 },
  { widths: [128, 128, 128, 128], cx: 0, cy: 0, span: 2 },
];

function run({ widths, cx, cy, span }: Case): void {
  const net = randomNet({ widths, sigmaB: 0.1, seed: 1 });
  const rect = { x0: cx - span / 2, y0: cy - span / 2, x1: cx + span / 2, y1: cy + span / 2 };
  const start = performance.now();
  const result = enumerateRegions(net, rect);
  const seconds = (performance.now() - start) / 1000;
  const density = result.boundaryDensityPerNeuron.toFixed(4);
  console.log(
    `${widths.join('x')} centre (${cx}, ${cy}) span ${span}: ${result.regions} regions, boundary length ` +
      `${result.boundaryLength.toFixed(4)}, per unit area per neuron ${density}, ${seconds.toFixed(2)} s`,
  );
}

const [widths, cx, cy, span] = process.argv.slice(2);
if (widths === undefined) kCases.forEach(run);
else run({ widths: widths.split(',').map(Number), cx: Number(cx ?? 0), cy: Number(cy ?? 0), span: Number(span ?? 2) });
