import { describe, expect, it } from 'vitest';
import { escaped, quoted } from '../../src/model/quote.ts';

describe('quoting input in messages', () => {
  it('escapes control characters, so a message cannot send terminal escapes', () => {
    expect(quoted('a\u001b[2Jb\n\u0000"\\')).toBe('"a\\x1b[2Jb\\n\\x00\\"\\\\"');
    expect(escaped('x\u009b\u202eevil\ufffd')).toBe('x\\x9b\\u202eevil\\ufffd');
  });

  it('cuts long values and says how much was left out', () => {
    expect(quoted('a'.repeat(100_000), 10)).toBe(`"${'a'.repeat(10)}"…(99990 more characters)`);
    expect(escaped('é'.repeat(5), 3)).toBe('ééé…(2 more characters)');
    expect(quoted('short')).toBe('"short"');
  });
});
