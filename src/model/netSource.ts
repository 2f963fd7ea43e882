/**
 * The one net resolver: where a net comes from (the seeded random net, a built-in preset, the bytes of a file) and
 * the net it is, checked against the limits every part of ReLUscope shares. The app, the command line and the shot
 * page all go through it; reading the bytes (disk, browser storage) is theirs.
 */

import { parseNetBytes } from './files/netFile.ts';
import { isGraph, type Network } from './graph/graph.ts';
import { kNetLimits, netLimitProblem, weightCount } from './limits.ts';
import type { Net } from './net.ts';
import { parsePreset, presetNet } from './presetSpec.ts';
import { quoted } from './quote.ts';
import { type RandomNetSpec, randomNet } from './random.ts';

/** A net that cannot be had: the message says why, for a user (exit code 1 on the command line). */
export class NetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetError';
  }
}

export type NetSource =
  | { readonly kind: 'random'; readonly spec: RandomNetSpec }
  | { readonly kind: 'preset'; readonly name: string }
  /** `name` only names the file in messages. */
  | { readonly kind: 'file'; readonly name: string; readonly bytes: Uint8Array };

/** Nets shipped with ReLUscope (models/): `net=mnist-mlp`, `--preset mnist-mlp`. */
export const kBundledNets = ['mnist-mlp', 'mnist-cnn', 'mnist-resnet'] as const;
/**
 * The file of a bundled net, relative to the repository's root: an MLP (safetensors), and a CNN and a small residual
 * net (ONNX, written by torch.onnx.export; tests/fixtures/onnx/make_fixtures.py trained them on the mnist digits).
 */
export const kBundledFiles: Record<string, string> = {
  'mnist-mlp': 'models/mnist-mlp-64x64x64.safetensors',
  'mnist-cnn': 'models/mnist-cnn.onnx',
  'mnist-resnet': 'models/mnist-resnet.onnx',
};

/** What names a net in the settings (src/settings/settings.ts): a built-in's name or a stored net's id, else widths etc. */
export interface NetSettings {
  readonly net: string;
  readonly widths: readonly number[];
  readonly sigmaB: number;
  readonly seed: number;
  /** Output units of the random net (default 1). */
  readonly outputs?: number;
}

/**
 * The source the settings name: the preset, the random net, or (a content id in `net`) a net stored in a browser,
 * which only the app can read.
 */
export function settingsNetSource(
  settings: NetSettings,
): NetSource | { readonly kind: 'stored'; readonly id: string } | { readonly kind: 'bundled'; readonly name: string } {
  const { net, widths, sigmaB, seed, outputs = 1 } = settings;
  if (net === '') return { kind: 'random', spec: { widths, sigmaB, seed, ...(outputs === 1 ? {} : { outputs }) } };
  if ((kBundledNets as readonly string[]).includes(net)) return { kind: 'bundled', name: net };
  return parsePreset(net) === null ? { kind: 'stored', id: net } : { kind: 'preset', name: net };
}

export function resolveNet(source: NetSource): Network {
  switch (source.kind) {
    case 'random': {
      const { widths } = source.spec;
      const weights = weightCount(2, widths);
      if (weights > kNetLimits.maxWeights) {
        throw new NetError(
          `widths ${widths.join(',')} has ${weights} weights; at most ${kNetLimits.maxWeights} are generated`,
        );
      }
      const net = randomNet(source.spec);
      const problem = netLimitProblem(net);
      if (problem) throw new NetError(problem);
      return net;
    }
    case 'preset': {
      const spec = parsePreset(source.name);
      if (spec === null) throw new NetError(`${quoted(source.name, 40)} is not a built-in net (sawtooth:K)`);
      if (typeof spec === 'string') throw new NetError(spec);
      return presetNet(spec);
    }
    case 'file': {
      if (source.bytes.byteLength > kNetLimits.maxFileBytes) {
        throw new NetError(`${source.name}: larger than ${kNetLimits.maxFileBytes / 2 ** 20} MiB`);
      }
      const parsed = parseNetBytes(source.bytes, source.name);
      if (!parsed.ok) throw new NetError(`${source.name}: ${parsed.error}`);
      return parsed.net;
    }
  }
}

/** The network as an MLP, for what takes MLPs only (`what` names it in the message); a graph throws NetError. */
export function mlpOnly(network: Network, what: string): Net {
  if (!isGraph(network)) return network;
  throw new NetError(
    `${what} takes MLPs only (Linear and ReLU layers); this network is a graph of ${network.ops.length} operations`,
  );
}
