/** The command lines' shared grammar: `--flag value`, `--flag=value`, and switches without a value. */
import { quoted } from '../model/quote.ts';

/** A bad command line: the commands print it with their usage and exit 2. */
export class UsageError extends Error {}

export interface Flag {
  readonly name: string;
  /** null for a switch. */
  readonly value: string | null;
}

/** Splits argv into flags; unknown flags, stray words and missing values are usage errors. */
export function* readFlags(
  argv: readonly string[],
  switches: readonly string[],
  isKnown: (name: string) => boolean,
): Generator<Flag> {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument ${quoted(arg, 60)}`);
    const name = match[1] ?? '';
    if (switches.includes(name)) {
      yield { name, value: null };
      continue;
    }
    if (!isKnown(name)) throw new UsageError(`unknown flag --${name}`);
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    yield { name, value };
  }
}

/**
 * Parses a command's flags, or answers for it: a usage error prints the message and the usage (exit code 2), --help
 * prints the usage (exit code 0). Returns the options, or the exit code when the command is answered.
 */
export function parseCommandLine<T extends { help: boolean }>(
  command: string,
  usage: string,
  parse: (argv: readonly string[]) => T,
  argv: readonly string[],
): T | number {
  let options: T;
  try {
    options = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${command}: ${error.message}\n${usage}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return options;
}
