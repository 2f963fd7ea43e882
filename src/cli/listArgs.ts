/** Comma-separated number lists on the command line ("1,2,3"; "" is the empty list). */
import { UsageError } from './args.ts';

export function parseNumberList(
  text: string,
  flag: string,
  rule: { integer: boolean; min: number; max: number },
): number[] {
  if (text.trim() === '') return [];
  return text.split(',').map((part) => {
    const value = part.trim() === '' ? Number.NaN : Number(part);
    const ok = Number.isFinite(value) && (!rule.integer || Number.isInteger(value));
    if (!ok || value < rule.min || value > rule.max) {
      throw new UsageError(
        `--${flag} ${text}: "${part}" is not ${rule.integer ? 'an integer' : 'a number'} in [${rule.min}, ${rule.max}]`,
      );
    }
    return value;
  });
}
