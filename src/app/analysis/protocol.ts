/** Messages between the app and its analysis worker (src/app/analysis/worker.ts). */
import type { Rect, ViewRegions } from '../../analysis/polygons.ts';
import type { SawtoothCount } from '../../analysis/sawtooth.ts';
import type { SegmentWalk } from '../../analysis/segment.ts';
import type { Network } from '../../model/graph/graph.ts';

export type AnalysisRequest =
  /** The net the next jobs run on (sent once per net, not with every job). */
  | { readonly kind: 'net'; readonly net: Network }
  | { readonly kind: 'regions'; readonly id: number; readonly rect: Rect; readonly layers: number }
  | {
      readonly kind: 'segment';
      readonly id: number;
      readonly p0: readonly [number, number];
      readonly p1: readonly [number, number];
      readonly layers: number;
      /** The output unit whose values along the segment are given. */
      readonly unit: number;
    }
  /** The perturbed sawtooth's regions along [0, 1] (needs no net). */
  | {
      readonly kind: 'sawtooth';
      readonly id: number;
      readonly depth: number;
      readonly epsilons: readonly number[];
      readonly seeds: number;
    };

export type AnalysisResult =
  | { readonly kind: 'regions'; readonly regions: ViewRegions }
  | { readonly kind: 'segment'; readonly walk: SegmentWalk }
  | { readonly kind: 'sawtooth'; readonly counts: SawtoothCount[] };

export type AnalysisReply =
  | { readonly kind: 'progress'; readonly id: number; readonly done: number; readonly total: number }
  | { readonly kind: 'done'; readonly id: number; readonly result: AnalysisResult; readonly seconds: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };
