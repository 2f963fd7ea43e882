/**
 * Builds WGSL from the files in shaders/: the shared constants first, then the parts in order, with
 * `#if NAME` / `#elif NAME` / `#else` / `#endif` resolved by wgsl-preprocessor against boolean defines.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { wgslConstants } from './layout.ts';

export type Defines = Readonly<Record<string, boolean>>;

/** wgsl-preprocessor is a template tag: `#if ${value}`. Turn `#if NAME` in plain text into such a call. */
export function preprocess(source: string, defines: Defines): string {
  const strings: string[] = [];
  const values: boolean[] = [];
  let last = 0;
  for (const match of source.matchAll(/#(if|elif)[ \t]+([A-Za-z_]\w*)/g)) {
    const name = match[2] ?? '';
    const value = defines[name];
    if (value === undefined) throw new Error(`shader define ${name} is not set`);
    strings.push(`${source.slice(last, match.index)}#${match[1]} `);
    values.push(value);
    last = match.index + match[0].length;
  }
  strings.push(source.slice(last));
  const raw = Object.assign([...strings], { raw: [...strings] }) as TemplateStringsArray;
  return wgsl(raw, ...values);
}

export function buildShader(parts: readonly string[], defines: Defines = {}): string {
  return preprocess([wgslConstants(), ...parts].join('\n'), defines);
}
