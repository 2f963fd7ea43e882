/**
 * Names of the built-in nets, as they appear in the URL (`net=sawtooth:8`) and on the command line
 * (`--preset sawtooth:8:0.01:3`): Telgarsky's sawtooth of depth k, optionally with every weight and bias perturbed
 * by epsilon * N(0, 1) drawn from a seed (the talk's "numerical instability" slide).
 */
import type { Net } from './net.ts';
import { perturbedSawtooth, sawtooth } from './presets.ts';
import { quoted } from './quote.ts';

export interface SawtoothSpec {
  readonly depth: number;
  readonly epsilon: number;
  readonly seed: number;
}

export const kMaxSawtoothDepth = 30;

/** `sawtooth:K[:EPSILON[:SEED]]` -> its spec; a message for a malformed one; null when `text` is no preset name. */
export function parsePreset(text: string): SawtoothSpec | string | null {
  if (!text.startsWith('sawtooth')) return null;
  const match = /^sawtooth:(\d{1,3})(?::([^:]+))?(?::(\d{1,10}))?$/.exec(text);
  const depth = Number(match?.[1]);
  const epsilon = Number(match?.[2] ?? '0');
  const seed = Number(match?.[3] ?? '1');
  if (!match || !Number.isInteger(depth) || depth < 1 || depth > kMaxSawtoothDepth) {
    return `${quoted(text, 40)} is not sawtooth:K[:EPSILON[:SEED]] with K in 1..${kMaxSawtoothDepth}`;
  }
  if (!Number.isFinite(epsilon) || epsilon < 0 || epsilon > 10) {
    return `${quoted(text, 40)}: the perturbation must be a number in [0, 10]`;
  }
  if (seed > 2 ** 32 - 1) return `${quoted(text, 40)}: the seed must be below 2^32`;
  return { depth, epsilon, seed };
}

export function formatPreset(spec: SawtoothSpec): string {
  return spec.epsilon === 0 ? `sawtooth:${spec.depth}` : `sawtooth:${spec.depth}:${spec.epsilon}:${spec.seed}`;
}

export function presetNet(spec: SawtoothSpec): Net {
  return spec.epsilon === 0 ? sawtooth(spec.depth) : perturbedSawtooth(spec.depth, spec.epsilon, spec.seed);
}
