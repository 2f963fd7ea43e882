/**
 * The one command-line layer of shot, analyze, study, train, bench and doctor: `node:util` parseArgs does the parsing;
 * the flags of settings come from the settings table (src/settings/settings.ts) that also drives the URL and the panel;
 * the usage text is generated from the flags. Unknown flags, missing values and bad values are usage errors: the
 * commands print the message and the usage and exit 2; --help prints the usage and exits 0.
 */
import { parseArgs } from 'node:util';
import { escaped, quoted } from '../model/quote.ts';
import { kDefaultSettings, kSettingsTable, type Settings, settingsFromParams } from '../settings/settings.ts';
import { planeFileSpec } from './planeFile.ts';
import { UsageError } from './usageError.ts';

export { UsageError };

export interface Flag {
  readonly name: string;
  /** The value's name in the usage; absent for a switch. */
  readonly value?: string;
  readonly help: string;
  /** The heading the usage lists it under. */
  readonly group: string;
  /** The default, as the usage shows it. */
  readonly default?: string;
}

export interface Command {
  /** As in `npm run NAME`. */
  readonly name: string;
  /** What the command does, in a line or two. */
  readonly summary: string;
  readonly flags: readonly Flag[];
  /** Lines after the flags (exit codes, notes). */
  readonly epilogue: string;
}

/** The values given, by flag name: the text of a flag with a value, true for a switch. */
export type Values = Readonly<Record<string, string | boolean | undefined>>;

const kHelp: Flag = { name: 'help', help: 'print this text', group: 'more' };

/** The flags of the given settings, from the settings table, under `group` (defaults from kDefaultSettings). */
export function settingFlags(keys: readonly (keyof Settings)[], group: string): Flag[] {
  const flags: Flag[] = [];
  for (const key of keys) {
    const property = kSettingsTable[key];
    if (!property.flag || flags.some((f) => f.name === property.flag)) continue;
    const parts = (Object.keys(kSettingsTable) as (keyof Settings)[]).filter(
      (k) => kSettingsTable[k].flag === property.flag,
    );
    const defaults = parts.map((k) => (kSettingsTable[k].format as (v: unknown) => string)(kDefaultSettings[k]));
    flags.push({
      name: property.flag,
      value: property.value ?? 'VALUE',
      help: property.help,
      group,
      ...(defaults.every((d) => d !== '') ? { default: defaults.join(',') } : {}),
    });
  }
  return flags;
}

/** The usage text of a command, generated from its flags. */
export function usage(command: Command): string {
  const flags = [...command.flags, kHelp];
  const groups = [...new Set(flags.map((f) => f.group))];
  const left = (f: Flag): string => `  --${f.name}${f.value ? ` ${f.value}` : ''}`;
  const width = Math.min(34, Math.max(...flags.map((f) => left(f).length)) + 2);
  const lines = [`Usage: npm run ${command.name} -- [flags]`, ...command.summary.split('\n').map((l) => `  ${l}`)];
  for (const group of groups) {
    lines.push(`${group}:`);
    for (const f of flags.filter((g) => g.group === group)) {
      const head = left(f);
      const help = `${f.help}${f.default !== undefined ? ` (default ${f.default})` : ''}`;
      lines.push(head.length < width ? `${head.padEnd(width)}${help}` : `${head}\n${''.padEnd(width)}${help}`);
    }
  }
  return [...lines, command.epilogue].join('\n');
}

/** `--flag -0.5,1` means the value -0.5,1, not a flag: negative numbers are joined to their flag as --flag=-0.5,1. */
function joinNegativeValues(argv: readonly string[], valued: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const next = argv[i + 1];
    if (arg.startsWith('--') && valued.has(arg.slice(2)) && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** parseArgs's errors, said in the words of the other messages. */
function usageErrorOf(error: NodeJS.ErrnoException): UsageError {
  const option = /'(--?[^' ]*)/.exec(error.message)?.[1] ?? '';
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new UsageError(`unknown flag ${escaped(option, 60)}`);
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new UsageError(`unexpected argument ${quoted(/'([^']*)'/.exec(error.message)?.[1] ?? '', 60)}`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(error.message)) return new UsageError(`${option} takes no value`);
      if (/ambiguous/.test(error.message)) {
        return new UsageError(`${option} needs a value (a value that starts with a dash is written ${option}=-X)`);
      }
      return new UsageError(`${option} needs a value`);
    default:
      return new UsageError(escaped(error.message, 200));
  }
}

/** Parses argv against the command's flags (and --help). Throws UsageError. */
export function parseCommand(command: Command, argv: readonly string[]): Values {
  const flags = [...command.flags, kHelp];
  const options = Object.fromEntries(flags.map((f) => [f.name, { type: f.value ? 'string' : 'boolean' } as const]));
  const valued = new Set(flags.filter((f) => f.value).map((f) => f.name));
  try {
    const { values } = parseArgs({
      args: joinNegativeValues(argv, valued),
      options,
      strict: true,
      allowPositionals: false,
    });
    return values;
  } catch (error) {
    throw usageErrorOf(error as NodeJS.ErrnoException);
  }
}

/**
 * Parses a command line and answers for the command when there is nothing to run: a usage error prints the message
 * and the usage (exit code 2), --help prints the usage (0). Returns the options, or the exit code.
 */
export function runCommand<T>(command: Command, argv: readonly string[], read: (values: Values) => T): T | number {
  try {
    const values = parseCommand(command, argv);
    if (values.help) {
      process.stdout.write(`${usage(command)}\n`);
      return 0;
    }
    return read(values);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${command.name}: ${error.message}\n${usage(command)}\n`);
    return 2;
  }
}

/**
 * The settings the flags give, over `base`, through the settings table's parsers in strict mode: a value the app
 * would clamp is refused. Messages name the flags.
 */
export function settingsFromFlags(values: Values, base: Settings): Settings {
  const params = new URLSearchParams();
  for (const key of Object.keys(kSettingsTable) as (keyof Settings)[]) {
    const flag = kSettingsTable[key].flag;
    const given = flag ? values[flag] : undefined;
    if (typeof given !== 'string') continue;
    const text = key === 'plane' && given.endsWith('.json') ? planeFileSpec(given) : given;
    const parts = (Object.keys(kSettingsTable) as (keyof Settings)[]).filter((k) => kSettingsTable[k].flag === flag);
    if (parts.length === 1) {
      params.set(key, text);
      continue;
    }
    const pieces = text.split(',');
    if (pieces.length !== parts.length) {
      throw new UsageError(`--${flag} ${quoted(text, 40)}: expected ${kSettingsTable[key].value ?? parts.join(',')}`);
    }
    params.set(key, pieces[parts.indexOf(key)] ?? '');
  }
  const label = (key: keyof Settings) => ({ name: `--${kSettingsTable[key].flag ?? key}`, sep: ' ' });
  const { settings, messages } = settingsFromParams(params, base, { strict: true, label });
  if (messages.length > 0) throw new UsageError(messages.join('; '));
  return settings;
}

/** A number flag in [min, max] (finite; an integer when `integer`), or `fallback` when it is not given. */
export function numberFlag(
  values: Values,
  name: string,
  min: number,
  max: number,
  fallback: number,
  integer = false,
): number {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  const value = Number(text);
  const ok = Number.isFinite(value) && (!integer || Number.isInteger(value));
  if (text.trim() === '' || !ok || value < min || value > max) {
    throw new UsageError(
      `--${name} ${escaped(text, 40)}: expected ${integer ? 'an integer' : 'a number'} in [${min}, ${max}]`,
    );
  }
  return value;
}

/** An integer flag in [min, max], or `fallback` when it is not given. */
export function integerFlag(values: Values, name: string, min: number, max: number, fallback: number): number {
  return numberFlag(values, name, min, max, fallback, true);
}

/** Comma-separated numbers ("1,2,3"; "" is the empty list), each checked like integerFlag/numberFlag. */
export function listFlag(
  values: Values,
  name: string,
  rule: { readonly integer: boolean; readonly min: number; readonly max: number; readonly count?: number },
  fallback: number[],
): number[] {
  const text = values[name];
  if (typeof text !== 'string') return fallback;
  if (text.trim() === '' && rule.count === undefined) return [];
  const parts = text.split(',');
  if (rule.count !== undefined && parts.length !== rule.count) {
    throw new UsageError(`--${name} ${escaped(text, 60)}: expected ${rule.count} numbers separated by commas`);
  }
  return parts.map((part) => {
    const value = part.trim() === '' ? Number.NaN : Number(part);
    const ok = Number.isFinite(value) && (!rule.integer || Number.isInteger(value));
    if (!ok || value < rule.min || value > rule.max) {
      throw new UsageError(
        `--${name} ${escaped(text, 60)}: ${quoted(part, 20)} is not ${rule.integer ? 'an integer' : 'a number'} in [${rule.min}, ${rule.max}]`,
      );
    }
    return value;
  });
}

/** A string flag, or null when not given. */
export function textFlag(values: Values, name: string): string | null {
  const text = values[name];
  return typeof text === 'string' ? text : null;
}
