import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  kBlitParams,
  kChunk,
  kColourParams,
  kFrame,
  kInputBlock,
  kLayerInfo,
  kLayerStep,
  kNeuronBlock,
  kPixelField,
  kRegionsFrame,
  kTileChunk,
  type StructLayout,
  structSize,
  wgslConstants,
} from '../../src/gpu/layout.ts';
import { preprocess } from '../../src/gpu/shaderSource.ts';

function wgslStruct(file: string, name: string): [string, string][] {
  const text = readFileSync(new URL(`../../shaders/${file}`, import.meta.url), 'utf8');
  const body = new RegExp(`struct ${name} \\{([^}]*)\\}`).exec(text)?.[1];
  if (!body) throw new Error(`struct ${name} not found in ${file}`);
  return [...body.matchAll(/^\s*(\w+)\s*:\s*([\w<>]+)\s*,/gm)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

describe('layouts shared by TypeScript and WGSL', () => {
  const pairs: [string, StructLayout][] = [
    ['common.wgsl', kPixelField],
    ['fields.wgsl', kFrame],
    ['fields.wgsl', kLayerStep],
    ['fields.wgsl', kChunk],
    ['colour.wgsl', kColourParams],
    ['regions.wgsl', kRegionsFrame],
    ['regions.wgsl', kLayerInfo],
    ['regions.wgsl', kTileChunk],
    ['blit.wgsl', kBlitParams],
  ];
  for (const [file, layout] of pairs) {
    it(`${layout.name} in ${file} has the fields, order and types of the TypeScript layout`, () => {
      expect(wgslStruct(file, layout.name)).toEqual(layout.fields.map(([n, t]) => [n, t]));
      expect(structSize(layout)).toBe(4 * layout.fields.length);
    });
  }

  it('the weight tile fits the default workgroup storage limit (16 KiB)', () => {
    expect(kNeuronBlock * kInputBlock * 4).toBeLessThanOrEqual(16384);
  });

  it('constants are emitted as WGSL', () => {
    expect(wgslConstants()).toContain(`const kNeuronBlock: u32 = ${kNeuronBlock}u;`);
  });
});

describe('shader preprocessing', () => {
  it('resolves #if NAME against the defines', () => {
    const source = 'a\n#if FAST\nfast\n#else\nslow\n#endif\nb';
    expect(preprocess(source, { FAST: true }).replace(/\s+/g, ' ').trim()).toBe('a fast b');
    expect(preprocess(source, { FAST: false }).replace(/\s+/g, ' ').trim()).toBe('a slow b');
    expect(() => preprocess(source, {})).toThrow(/FAST is not set/);
  });
});
