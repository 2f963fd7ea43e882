/**
 * The net a command names, in Node: a relu-mlp file (--net), a built-in preset (--preset sawtooth:K...), or the
 * seeded random net of --widths/--sigma-b/--seed. The same generators as the app's, so the numbers match.
 */
import { readFileSync } from 'node:fs';
import type { Settings } from '../app/settings.ts';
import type { Net } from '../model/net.ts';
import { parseNet } from '../model/netFile.ts';
import { parsePreset, presetNet } from '../model/presetSpec.ts';
import { randomNet } from '../model/random.ts';

/** A net file that cannot be read or is not a valid relu-mlp (exit code 1, not a usage error). */
export class NetError extends Error {}

export function chooseNet(netFile: string | null, settings: Settings): Net {
  if (netFile !== null) {
    let text: string;
    try {
      text = readFileSync(netFile, 'utf8');
    } catch (error) {
      throw new NetError(`cannot read ${netFile}: ${(error as Error).message}`);
    }
    const parsed = parseNet(text);
    if (!parsed.ok) throw new NetError(`${netFile}: ${parsed.error}`);
    return parsed.net;
  }
  const preset = parsePreset(settings.net);
  if (typeof preset === 'string') throw new NetError(preset);
  if (preset !== null) return presetNet(preset);
  return randomNet(settings);
}
