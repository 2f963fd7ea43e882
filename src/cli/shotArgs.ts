/**
 * Flags of `npm run shot`. The settings flags come from the settings table and go through the URL's parsers, so the
 * command line, the URL and the panel accept the same values (strictly: what the app would clamp is refused).
 */
import { join } from 'node:path';
import { kColourModes } from '../gpu/layout.ts';
import { settingsNetSource } from '../model/netSource.ts';
import { escaped, quoted } from '../model/quote.ts';
import { cloneSettings, kDefaultSettings, kLimits, type Settings, settingsFromHash } from '../settings/settings.ts';
import {
  type Command,
  integerFlag,
  parseCommand,
  settingFlags,
  settingsFromFlags,
  textFlag,
  UsageError,
  type Values,
} from './commandLine.ts';

export interface ShotOptions {
  settings: Settings;
  netFile: string | null;
  width: number;
  height: number;
  out: string | null;
  fieldsOut: string | null;
  batch: string | null;
  sweep: 'layers' | 'zoom' | 'checkpoints' | null;
  /** A training run's folder (npm run train): its checkpoints are the nets of a checkpoint sweep. */
  run: string | null;
  to: number | null;
  frames: number;
  maxTile: number | null;
  gpu: boolean;
  /** The view was given (--center, --span, --url): else a plane through data points is framed to show them. */
  viewGiven: boolean;
}

export const kMaxImageSide = 16384;
/** Flags that apply to a whole run, not to one batch entry. */
const kRunFlags = ['batch', 'help', 'gpu'];

export const kShotCommand: Command = {
  name: 'shot',
  summary: `Pictures and per-pixel data, rendered by the app's renderer in headless Chromium (WebGPU).
Modes: ${kColourModes.join(', ')}.`,
  flags: [
    {
      name: 'net',
      value: 'FILE',
      help: 'a net file: relu-mlp JSON, PyTorch state_dict (.pt/.pth) or .safetensors',
      group: 'net (one of --net, --preset, --widths/--seed)',
    },
    {
      name: 'url',
      value: "'#...'",
      help: 'a view shared from the app: its URL hash (flags given too override it)',
      group: 'net (one of --net, --preset, --widths/--seed)',
    },
    ...settingFlags(
      ['net', 'widths', 'sigmaB', 'seed', 'outputs', 'plane'],
      'net (one of --net, --preset, --widths/--seed)',
    ),
    ...settingFlags(['cx', 'span', 'layers', 'mode', 'unit', 'edgeWidth', 'palette', 'algorithm'], 'view'),
    {
      name: 'size',
      value: 'WxH',
      help: `image size in pixels, each side 1 to ${kMaxImageSide}`,
      group: 'view',
      default: '1024x1024',
    },
    { name: 'out', value: 'FILE.png', help: 'the picture (required)', group: 'output' },
    {
      name: 'fields',
      value: 'FILE.rlf',
      help: 'also the per-pixel hash and distance (RLF1, see README)',
      group: 'output',
    },
    {
      name: 'batch',
      value: 'FILE.json',
      help: 'many shots in one browser session: [{"widths": "32,32", "out": "a.png"}, ...] (keys: flag names)',
      group: 'output',
    },
    {
      name: 'sweep',
      value: 'layers|zoom|checkpoints',
      help:
        'one image per k = 1..L and a contact sheet, zoom frames, or one image per checkpoint of --run and a ' +
        'contact sheet labelled with the steps',
      group: 'output',
    },
    {
      name: 'run',
      value: 'DIR',
      help: 'a training run (npm run train --out DIR), for --sweep checkpoints (default --out DIR/partition.png)',
      group: 'net (one of --net, --preset, --widths/--seed)',
    },
    { name: 'to', value: 'SPAN', help: 'the last span of a zoom sweep', group: 'output' },
    { name: 'frames', value: 'N', help: 'frames of a zoom sweep', group: 'output', default: '30' },
    {
      name: 'tile',
      value: 'N',
      help: 'largest tile side (the device may need less)',
      group: 'output',
      default: '2048',
    },
    { name: 'gpu', help: "use the machine's GPU (default: SwiftShader, WebGPU on the CPU)", group: 'output' },
  ],
  epilogue:
    'Exit codes: 0 done, 1 failed (net file, GPU, browser, writing), 2 bad arguments, 3 no WebGPU, 128+N on signal N.',
};

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
    run: null,
    to: null,
    frames: 30,
    maxTile: null,
    gpu: false,
    viewGiven: false,
  };
}

/** One net per command line: --net FILE, --preset NAME, or the random net's --widths/--seed. */
export function checkNetFlags(values: Values): void {
  const random = values.widths !== undefined || values.seed !== undefined || values.outputs !== undefined;
  const named = [
    values.run !== undefined && '--run',
    values.net !== undefined && '--net',
    values.preset !== undefined && '--preset',
    random && '--widths/--seed/--outputs',
  ];
  const given = named.filter((n) => n);
  if (given.length > 1) throw new UsageError(`give one net: ${given.join(' and ')} name different nets`);
}

/** Why a span (a zoom's end) is outside the app's range, or null. */
export function checkSpan(span: number | null, flag: string): string | null {
  if (span === null || (span >= kLimits.minSpan && span <= kLimits.maxSpan)) return null;
  return `${flag} ${span}: a span must be in [${kLimits.minSpan}, ${kLimits.maxSpan}]`;
}

function readSize(text: string): [number, number] {
  const size = /^(\d{1,9})x(\d{1,9})$/.exec(text);
  const [width, height] = [Number(size?.[1]), Number(size?.[2])];
  if (!size || !(width >= 1 && height >= 1 && width <= kMaxImageSide && height <= kMaxImageSide)) {
    throw new UsageError(`--size ${escaped(text, 40)}: expected WxH, each from 1 to ${kMaxImageSide}, e.g. 1024x768`);
  }
  return [width, height];
}

/** Options from parsed flags over `base` (the defaults, or a batch's command line). */
export function shotOptions(values: Values, base: ShotOptions = defaultShotOptions()): ShotOptions {
  const options: ShotOptions = { ...base, settings: cloneSettings(base.settings) };
  checkNetFlags(values);
  const url = textFlag(values, 'url');
  if (url !== null) {
    const fromUrl = settingsFromHash(url.slice(url.indexOf('#') + 1), options.settings, { strict: true });
    if (fromUrl.messages.length > 0) throw new UsageError(`--url: ${fromUrl.messages.join('; ')}`);
    options.settings = fromUrl.settings;
  }
  options.settings = settingsFromFlags(values, options.settings);
  if (url !== null || values.center !== undefined || values.span !== undefined) options.viewGiven = true;
  const netFile = textFlag(values, 'net');
  // A net named here replaces one named by the URL or a batch's command line (sigma_b alone does not: it is also
  // the theorem mode's bias density for any net).
  if (netFile !== null) {
    options.netFile = netFile;
    options.settings.net = '';
  }
  if (values.widths !== undefined || values.seed !== undefined || values.outputs !== undefined)
    options.settings.net = '';
  if (
    values.widths !== undefined ||
    values.seed !== undefined ||
    values.outputs !== undefined ||
    values.preset !== undefined
  ) {
    if (netFile === null) options.netFile = null;
  }
  const run = textFlag(values, 'run');
  if (run !== null) {
    options.run = run;
    options.netFile = null;
    options.settings.net = '';
  } else if (
    netFile !== null ||
    values.widths !== undefined ||
    values.seed !== undefined ||
    values.preset !== undefined
  ) {
    options.run = null;
  }
  const size = textFlag(values, 'size');
  if (size !== null) [options.width, options.height] = readSize(size);
  options.out =
    textFlag(values, 'out') ?? options.out ?? (options.run === null ? null : join(options.run, 'partition.png'));
  options.fieldsOut = textFlag(values, 'fields') ?? options.fieldsOut;
  options.batch = textFlag(values, 'batch') ?? options.batch;
  const sweep = textFlag(values, 'sweep');
  if (sweep !== null && sweep !== 'layers' && sweep !== 'zoom' && sweep !== 'checkpoints') {
    throw new UsageError(`--sweep ${quoted(sweep, 20)}: expected layers, zoom or checkpoints`);
  }
  options.sweep = sweep ?? options.sweep;
  const to = textFlag(values, 'to');
  if (to !== null) {
    options.to = Number(to);
    if (to.trim() === '' || !Number.isFinite(options.to))
      throw new UsageError(`--to ${quoted(to, 40)}: expected a span`);
  }
  const span = checkSpan(options.to, '--to');
  if (span !== null) throw new UsageError(span);
  options.frames = integerFlag(values, 'frames', 1, 100_000, options.frames);
  options.maxTile = values.tile === undefined ? options.maxTile : integerFlag(values, 'tile', 1, kMaxImageSide, 0);
  if (values.gpu) options.gpu = true;
  return options;
}

/** Checks what a single job needs (after batch defaults are applied). */
export function checkJob(options: ShotOptions): void {
  if (!options.out) throw new UsageError('--out FILE.png is required');
  if (!options.out.endsWith('.png'))
    throw new UsageError(`--out ${quoted(options.out, 200)}: the file name must end in .png`);
  if (options.sweep === 'zoom' && options.to === null) throw new UsageError('--sweep zoom needs --to SPAN');
  if ((options.sweep === 'checkpoints') !== (options.run !== null)) {
    throw new UsageError('--sweep checkpoints and --run DIR go together (the checkpoints of a training run)');
  }
  if (options.sweep === 'checkpoints' && options.fieldsOut !== null) {
    throw new UsageError('--fields is not written by --sweep checkpoints (shoot one checkpoint with --net for it)');
  }
  if (options.settings.mode === 'theorem' && !(options.settings.sigmaB > 0)) {
    throw new UsageError('--mode theorem needs --sigma-b above 0 (the bias density of the main formula)');
  }
  if (options.netFile === null && settingsNetSource(options.settings).kind === 'stored') {
    throw new UsageError(
      `the URL names a net stored in a browser (net=${escaped(options.settings.net, 40)}): pass its file with --net`,
    );
  }
}

/** One batch entry ({"sigma-b": 0.1, "out": "a.png", ...}) as options over the command line's. */
export function batchEntry(entry: unknown, index: number, base: ShotOptions): ShotOptions {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new UsageError(`batch entry ${index} must be an object of flags`);
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(entry)) {
    if (kRunFlags.includes(key)) {
      throw new UsageError(`batch entry ${index}: "${key}" applies to the whole run, not to one entry`);
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new UsageError(`batch entry ${index}: ${quoted(key, 40)} must be a string or a number`);
    }
    args.push(`--${key}=${value}`);
  }
  try {
    const options = shotOptions(parseCommand(kShotCommand, args), { ...base, batch: null });
    checkJob(options);
    return options;
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`batch entry ${index}: ${error.message}`);
    throw error;
  }
}
