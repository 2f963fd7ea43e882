/** The one command-line layer: parseArgs underneath, flags of settings from the settings table, usage generated. */
import { describe, expect, it } from 'vitest';
import { kAnalyzeCommand } from '../../src/cli/analyzeArgs.ts';
import { kBenchCommand } from '../../src/cli/bench.ts';
import { parseCommand, settingsFromFlags, UsageError, usage } from '../../src/cli/commandLine.ts';
import { kShotCommand } from '../../src/cli/shotArgs.ts';
import { kStudyCommand } from '../../src/cli/studyArgs.ts';
import { cloneSettings, kDefaultSettings, kSettingsTable } from '../../src/settings/settings.ts';

const fail = (argv: string[]): string => {
  try {
    parseCommand(kShotCommand, argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  return 'accepted';
};

describe('the command-line layer', () => {
  it('reads --flag value, --flag=value and switches; negative numbers are values', () => {
    const values = parseCommand(kShotCommand, ['--center', '-0.5,-1e-3', '--span=2', '--gpu', '--out', 'a.png']);
    expect(values).toMatchObject({ center: '-0.5,-1e-3', span: '2', gpu: true, out: 'a.png' });
    const settings = settingsFromFlags(values, cloneSettings(kDefaultSettings));
    expect([settings.cx, settings.cy, settings.span]).toEqual([-0.5, -1e-3, 2]);
  });

  it('unknown flags, missing and ambiguous values, values given to switches and stray words are usage errors', () => {
    expect(fail(['--bogus'])).toBe('unknown flag --bogus');
    expect(fail(['--out'])).toBe('--out needs a value');
    expect(fail(['--seed', '--help'])).toMatch(
      /^--seed needs a value \(a value that starts with a dash is written --seed=-X\)/,
    );
    expect(fail(['--gpu=yes'])).toBe('--gpu takes no value');
    expect(fail(['stray'])).toBe('unexpected argument "stray"');
  });

  it('settings flags go through the settings parsers, strictly, and the messages name the flags', () => {
    const read = (argv: string[]): string => {
      try {
        settingsFromFlags(parseCommand(kShotCommand, argv), cloneSettings(kDefaultSettings));
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(read(['--sigma-b', '200'])).toBe('--sigma-b 200 is outside [0, 100]');
    expect(read(['--mode', 'nope'])).toMatch(/^--mode "nope" is not one of regions/);
    expect(read(['--widths', '4,y'])).toBe('--widths: "y" is not an integer between 1 and 8192');
    expect(read(['--center', '1'])).toMatch(/^--center "1": expected CX,CY/);
    expect(read(['--seed', '7'])).toBe('accepted');
  });

  it('every flag of a setting is in the settings table, and every usage lists every flag of its command', () => {
    const tableFlags = new Set(Object.values(kSettingsTable).map((p) => p.flag));
    for (const command of [kShotCommand, kAnalyzeCommand, kStudyCommand, kBenchCommand]) {
      const text = usage(command);
      for (const flag of command.flags) expect(text, `${command.name} --${flag.name}`).toContain(`--${flag.name}`);
      expect(text).toContain('--help');
      expect(text).toMatch(new RegExp(`^Usage: npm run ${command.name} -- `));
    }
    for (const name of ['sigma-b', 'edge-width', 'center', 'preset', 'widths']) expect(tableFlags.has(name)).toBe(true);
  });
});
