/** The command lines' shared grammar: `--flag value`, `--flag=value`, and switches without a value. */

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
    if (!match) throw new UsageError(`unexpected argument "${arg}"`);
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
