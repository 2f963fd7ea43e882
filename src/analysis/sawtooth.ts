/**
 * The talk's instability experiment: regions of the perturbed sawtooth along x in [0, 1] as the perturbation grows.
 * At epsilon = 0 the count is 2^k; random perturbations lose most of the regions. This is what the CLI prints and the
 * app plots.
 */
import { perturbedSawtooth } from '../model/presets.ts';
import { walkSegment } from './segment.ts';

/** The perturbations the app's sweep tries (the talk's instability slide). */
export const kInstabilityEpsilons: readonly number[] = [0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 3e-2, 0.1, 0.3];

export interface SawtoothCount {
  readonly epsilon: number;
  /** Mean of `counts`. */
  readonly meanRegions: number;
  /** Regions along (0, 1/2) -> (1, 1/2) for perturbation seeds 1, 2, ..., seeds. */
  readonly counts: number[];
}

/** Region counts of the depth-k sawtooth perturbed by each epsilon, over `seeds` perturbation seeds. */
export function sawtoothCounts(k: number, epsilons: readonly number[], seeds: number): SawtoothCount[] {
  return epsilons.map((epsilon) => {
    const counts: number[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      counts.push(walkSegment(perturbedSawtooth(k, epsilon, seed), [0, 0.5], [1, 0.5]).regions);
    }
    const meanRegions = counts.reduce((sum, n) => sum + n, 0) / Math.max(counts.length, 1);
    return { epsilon, meanRegions, counts };
  });
}
