declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  /** Template-literal tag resolving #if/#elif/#else/#endif against the interpolated values. */
  export function wgsl(strings: TemplateStringsArray, ...values: unknown[]): string;
}
