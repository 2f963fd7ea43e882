/**
 * Command-line flags of `npm run shot`, mapped onto the app's settings object: the flags are the URL keys under
 * other names, and go through the same parsers, so the CLI, the URL and the panel accept the same values.
 */
import {
  cloneSettings,
  kDefaultSettings,
  kLimits,
  type Settings,
  settingsFromHash,
  settingsFromParams,
} from '../app/settings.ts';
import { kColourModes } from '../gpu/layout.ts';
import { parsePreset } from '../model/presetSpec.ts';
import { escaped } from '../model/quote.ts';
import { readFlags, UsageError } from './flags.ts';

export { UsageError };

export interface ShotOptions {
  settings: Settings;
  netFile: string | null;
  width: number;
  height: number;
  out: string | null;
  fieldsOut: string | null;
  batch: string | null;
  sweep: 'layers' | 'zoom' | null;
  to: number | null;
  frames: number;
  maxTile: number | null;
  gpu: boolean;
  help: boolean;
}

export const kUsage = `Usage: npm run shot -- [net] [view] --out FILE.png [--fields FILE.rlf]
  net:   --net FILE (relu-mlp JSON) | --widths 64,64,64 --sigma-b 0.1 --seed 1 | --url '#widths=...&span=...'
         | --preset sawtooth:K[:EPSILON[:SEED]]  (Telgarsky's sawtooth, optionally perturbed)
  view:  --center CX,CY --span S --size WxH --layers K --mode MODE --edge-width PX --palette NAME
         MODE: ${kColourModes.join(' | ')};  NAME: vivid | pastel | grey
         --algorithm fast | brute   region-seeded tiles (default) or one network evaluation a pixel
  more:  --fields FILE      also write per-pixel hash and distance (RLF1, see README)
         --batch FILE.json  many shots in one browser session: [{"widths": "32,32", "out": "a.png", ...}, ...]
                            (keys are the flag names without dashes; the command line gives the defaults)
         --sweep layers     one image per k = 1..L, plus a contact sheet (OUT-k1.png ... OUT-sheet.png)
         --sweep zoom --to SPAN --frames N   frames from --span to SPAN (OUT-0001.png ...)
         --tile N           largest tile side (default 2048, or less when the device needs it)
         --gpu              use the machine's GPU (default: SwiftShader, WebGPU on the CPU)
Exit codes: 0 done, 1 failed (bad net file, GPU error), 2 bad arguments, 3 no WebGPU adapter, 130 interrupted.`;

/** Flags that are settings, and their URL keys. */
const kSettingFlags: Record<string, string> = {
  widths: 'widths',
  'sigma-b': 'sigmaB',
  seed: 'seed',
  layers: 'layers',
  mode: 'mode',
  'edge-width': 'edgeWidth',
  palette: 'palette',
  algorithm: 'algorithm',
  span: 'span',
  preset: 'net',
};
const kOtherFlags = ['net', 'url', 'center', 'size', 'out', 'fields', 'batch', 'sweep', 'to', 'frames', 'tile'];
const kSwitches = ['gpu', 'help'];
export const kMaxImageSide = 16384;

export function defaultShotOptions(): ShotOptions {
  return {
    settings: cloneSettings(kDefaultSettings),
    netFile: null,
    width: 1024,
    height: 1024,
    out: null,
    fieldsOut: null,
    batch: null,
    sweep: null,
    to: null,
    frames: 30,
    maxTile: null,
    gpu: false,
    help: false,
  };
}

function positiveInteger(text: string, flag: string, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new UsageError(`--${flag} ${text}: expected an integer in [1, ${max}]`);
  return value;
}

/** Parses flags over `base`. Every invalid or clamped value is a usage error: a script should say what it means. */
export function parseShotArgs(argv: readonly string[], base: ShotOptions = defaultShotOptions()): ShotOptions {
  const options: ShotOptions = { ...base, settings: cloneSettings(base.settings) };
  const params = new URLSearchParams();
  let url: string | null = null;
  const known = (name: string): boolean => name in kSettingFlags || kOtherFlags.includes(name);
  for (const { name: flag, value } of readFlags(argv, kSwitches, known)) {
    if (value === null) {
      if (flag === 'gpu') options.gpu = true;
      else options.help = true;
      continue;
    }
    const key = kSettingFlags[flag];
    if (key) {
      params.set(key, value);
      continue;
    }
    switch (flag) {
      case 'net':
        options.netFile = value;
        break;
      case 'url':
        url = value;
        break;
      case 'center': {
        const parts = value.split(',');
        if (parts.length !== 2) throw new UsageError(`--center ${value}: expected CX,CY`);
        params.set('cx', parts[0] ?? '');
        params.set('cy', parts[1] ?? '');
        break;
      }
      case 'size': {
        const size = /^(\d{1,9})x(\d{1,9})$/.exec(value);
        const [width, height] = [Number(size?.[1]), Number(size?.[2])];
        if (!size || !(width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide)) {
          throw new UsageError(
            `--size ${escaped(value, 40)}: expected WxH, each from 1 to ${kMaxImageSide}, e.g. 1024x768`,
          );
        }
        options.width = width;
        options.height = height;
        break;
      }
      case 'out':
        options.out = value;
        break;
      case 'fields':
        options.fieldsOut = value;
        break;
      case 'batch':
        options.batch = value;
        break;
      case 'sweep':
        if (value !== 'layers' && value !== 'zoom') throw new UsageError(`--sweep ${value}: expected layers or zoom`);
        options.sweep = value;
        break;
      case 'to': {
        const to = Number(value);
        if (!(to > 0) || !Number.isFinite(to)) throw new UsageError(`--to ${value}: expected a positive span`);
        options.to = to;
        break;
      }
      case 'frames':
        options.frames = positiveInteger(value, 'frames', 100000);
        break;
      case 'tile':
        options.maxTile = positiveInteger(value, 'tile', kMaxImageSide);
        break;
    }
  }
  if (url !== null) {
    const fromUrl = settingsFromHash(url.slice(url.indexOf('#') + 1), options.settings, { strict: true });
    if (fromUrl.messages.length > 0) throw new UsageError(`--url: ${fromUrl.messages.join('; ')}`);
    options.settings = fromUrl.settings;
  }
  checkNetFlags(params, options.netFile !== null && options.netFile !== base.netFile);
  options.settings = settingsFromFlags(params, options.settings);
  // Explicit random-net flags replace a net named by the URL or the batch defaults (sigma_b alone does not: it is
  // also the theorem mode's bias density for any net).
  if (params.has('widths') || params.has('seed')) options.settings.net = '';
  if (options.netFile !== null && options.netFile !== base.netFile) options.settings.net = '';
  if (params.has('net') && base.netFile !== null && options.netFile === base.netFile) options.netFile = null;
  const span = checkSpan(options.to, '--to');
  if (span !== null) throw new UsageError(span);
  return options;
}

/**
 * Settings from flags (given as their URL keys in `params`) over `base`, through the URL's parsers in strict mode:
 * an out-of-range value is refused, not clamped. Messages name the flags.
 */
export function settingsFromFlags(params: URLSearchParams, base: Settings): Settings {
  const { settings, messages } = settingsFromParams(params, base, { strict: true });
  if (messages.length === 0) return settings;
  const flagOf = new Map(Object.entries(kSettingFlags).map(([flag, key]) => [key, flag]));
  const named = messages.map((m) =>
    m.replace(/^(\w+)(=|: )/, (all, key: string) => (flagOf.has(key) ? `--${flagOf.get(key)} ` : all)),
  );
  throw new UsageError(named.join('; '));
}

/** One net per command line: --net FILE, --preset NAME, or the random net's --widths/--seed. */
export function checkNetFlags(params: URLSearchParams, netFile: boolean): void {
  const random = params.has('widths') || params.has('seed');
  const named = [netFile && '--net', params.has('net') && '--preset', random && '--widths/--seed'].filter((n) => n);
  if (named.length > 1) throw new UsageError(`give one net: ${named.join(' and ')} name different nets`);
}

/** Why a span (a zoom's end) is outside the app's range, or null. */
export function checkSpan(span: number | null, flag: string): string | null {
  if (span === null || (span >= kLimits.minSpan && span <= kLimits.maxSpan)) return null;
  return `${flag} ${span}: a span must be in [${kLimits.minSpan}, ${kLimits.maxSpan}]`;
}

/** Checks what a single job needs (after batch defaults are applied). */
export function checkJob(options: ShotOptions): void {
  if (!options.out) throw new UsageError('--out FILE.png is required');
  if (!options.out.endsWith('.png')) throw new UsageError(`--out ${options.out}: the file name must end in .png`);
  if (options.sweep === 'zoom' && options.to === null) throw new UsageError('--sweep zoom needs --to SPAN');
  if (options.settings.mode === 'theorem' && !(options.settings.sigmaB > 0)) {
    throw new UsageError('--mode theorem needs --sigma-b above 0 (the bias density of the main formula)');
  }
  if (options.settings.net !== '' && options.netFile === null && parsePreset(options.settings.net) === null) {
    throw new UsageError(
      `the URL names a net stored in a browser (net=${options.settings.net}): pass its file with --net`,
    );
  }
}

/** Turns one batch entry ({"sigma-b": 0.1, "out": "a.png", ...}) into flags. */
export function batchEntryArgs(entry: unknown, index: number): string[] {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new UsageError(`batch entry ${index} must be an object of flags`);
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (kSwitches.includes(key) || key === 'batch') {
      throw new UsageError(`batch entry ${index}: "${key}" applies to the whole run, not to one entry`);
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`batch entry ${index}: "${key}" must be a string or a number`);
    }
    args.push(`--${key}`, String(value));
  }
  return args;
}
