/**
 * `--plane FILE.json`: an explicit slice, `{ "o": [...], "a": [...], "b": [...] }` (d numbers each; x = o + u a + v b),
 * read as the spec `o:..;a:..;b:..` that the URL also takes (src/model/plane.ts).
 */
import { readFileSync, statSync } from 'node:fs';
import { kNetLimits } from '../model/limits.ts';
import { escaped, quoted } from '../model/quote.ts';
import { UsageError } from './usageError.ts';

/** As a net file's JSON text: a plane of the widest net read holds 3 x 2^24 numbers. */
const kMaxPlaneFileBytes = kNetLimits.maxJsonChars;

export function planeFileSpec(path: string): string {
  const name = `--plane ${quoted(path, 200)}`;
  let value: unknown;
  try {
    if (statSync(path).size > kMaxPlaneFileBytes) throw new Error(`larger than ${kMaxPlaneFileBytes} bytes`);
    value = JSON.parse(readFileSync(path, 'utf8').replace(/^\ufeff/, ''));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // JSON.parse's message quotes the text it failed on: escaped, like every value from outside.
    throw new UsageError(`${name}: ${code ?? escaped((error as Error).message, 160)}`);
  }
  const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const parts = (['o', 'a', 'b'] as const).map((key) => {
    const list = record[key];
    if (!Array.isArray(list) || list.length < 2 || !list.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new UsageError(
        `${name}: "${key}" must be an array of finite numbers (expected {"o": [..], "a": [..], "b": [..]})`,
      );
    }
    return `${key}:${list.join(',')}`;
  });
  return parts.join(';');
}
