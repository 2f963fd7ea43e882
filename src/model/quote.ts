/**
 * Text from outside (file contents, URL values, file names) made safe for a message: control and other invisible
 * characters escaped, so that a binary file cannot send terminal escapes, and long values cut, so that a 100 KB URL
 * value does not flood the screen.
 */

/** `text` in double quotes, escaped, at most `max` characters of it (then "…" and how many more). */
export function quoted(text: string, max = 60): string {
  const { shown, more } = cut(text, max, true);
  return `"${shown}"${more}`;
}

/** `text` with invisible characters escaped and cut after `max` characters: a message that may quote input. */
export function escaped(text: string, max = 300): string {
  const { shown, more } = cut(text, max, false);
  return `${shown}${more}`;
}

function cut(text: string, max: number, quotes: boolean): { shown: string; more: string } {
  const chars = Array.from(text.slice(0, 2 * max));
  const kept = chars.slice(0, max);
  const units = kept.reduce((n, c) => n + c.length, 0);
  const shown = kept.map((c) => escapeChar(c, quotes)).join('');
  return { shown, more: units < text.length ? `…(${text.length - units} more characters)` : '' };
}

function escapeChar(c: string, quotes: boolean): string {
  const code = c.codePointAt(0) ?? 0;
  if (quotes && (c === '"' || c === '\\')) return `\\${c}`;
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  // C0 and C1 controls, DEL, the replacement character of undecodable bytes, bidi and zero-width controls.
  const invisible = code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0xfffd;
  if (invisible || /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(c)) {
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return c;
}
