import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  kBlitParams,
  kChunk,
  kColourParams,
  kFrame,
  kGraphFrame,
  kGraphOp,
  kGraphRegionsFrame,
  kInputBlock,
  kLayerInfo,
  kLayerStep,
  kNeuronBlock,
  kPixelField,
  kRegionsFrame,
  kTileChunk,
  packStruct,
  type StructLayout,
  structSize,
  wgslConstants,
} from '../../src/gpu/layout.ts';
import { bindingsOf } from '../../src/gpu/passKit.ts';
import { preprocess } from '../../src/gpu/shaderSource.ts';

function wgslStruct(file: string, name: string): [string, string][] {
  const text = readFileSync(new URL(`../../shaders/${file}`, import.meta.url), 'utf8');
  const body = new RegExp(`struct ${name} \\{([^}]*)\\}`).exec(text)?.[1];
  if (!body) throw new Error(`struct ${name} not found in ${file}`);
  return [...body.matchAll(/^\s*(\w+)\s*:\s*([\w<>]+)\s*,/gm)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

/** Size and alignment of the WGSL types our structs may hold (WGSL spec, "Alignment and Size"). */
const kWgslTypes: Record<string, { size: number; align: number }> = {
  u32: { size: 4, align: 4 },
  i32: { size: 4, align: 4 },
  f32: { size: 4, align: 4 },
  'vec2<f32>': { size: 8, align: 8 },
  'vec3<f32>': { size: 12, align: 16 },
  'vec4<f32>': { size: 16, align: 16 },
};

/** Byte offsets of a WGSL struct's members and its size, by the WGSL layout rules. */
function wgslLayout(members: [string, string][]): { offsets: number[]; size: number } {
  let end = 0;
  let align = 1;
  const offsets = members.map(([name, type]) => {
    const t = kWgslTypes[type];
    if (!t) throw new Error(`member ${name}: no layout rule for ${type}`);
    const offset = Math.ceil(end / t.align) * t.align;
    end = offset + t.size;
    align = Math.max(align, t.align);
    return offset;
  });
  return { offsets, size: Math.ceil(end / align) * align };
}

describe('layouts shared by TypeScript and WGSL', () => {
  const pairs: [string, StructLayout][] = [
    ['common.wgsl', kPixelField],
    ['fields.wgsl', kFrame],
    ['fields.wgsl', kLayerStep],
    ['fields.wgsl', kChunk],
    ['graph.wgsl', kGraphFrame],
    ['graphOps.wgsl', kGraphOp],
    ['graphRegions.wgsl', kGraphRegionsFrame],
    ['graphRegions.wgsl', kTileChunk],
    ['graph.wgsl', kChunk],
    ['colour.wgsl', kColourParams],
    ['regions.wgsl', kRegionsFrame],
    ['regions.wgsl', kLayerInfo],
    ['regions.wgsl', kTileChunk],
    ['blit.wgsl', kBlitParams],
  ];
  for (const [file, layout] of pairs) {
    it(`${layout.name} in ${file} has the fields, order, types, offsets and size of the TypeScript layout`, () => {
      const members = wgslStruct(file, layout.name);
      expect(members).toEqual(layout.fields.map(([n, t]) => [n, t]));
      // packStruct writes field i at word i: the WGSL offsets must be those, and the sizes the same.
      const wgsl = wgslLayout(members);
      expect(wgsl.offsets).toEqual(layout.fields.map((_, i) => 4 * i));
      expect(structSize(layout)).toBe(wgsl.size);
      const packed = packStruct(layout, Object.fromEntries(layout.fields.map(([n], i) => [n, i + 1])));
      expect(packed.byteLength).toBe(wgsl.size);
      layout.fields.forEach(([name, type], i) => {
        const word = type === 'u32' ? packed[i] : new Float32Array(packed.buffer)[i];
        expect(word, name).toBe(i + 1);
      });
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

describe('shader variants and bindings', () => {
  const shader = (file: string): string => readFileSync(new URL(`../../shaders/${file}`, import.meta.url), 'utf8');

  it('each variant keeps exactly its own code: the output and the theorem are compiled in or out', () => {
    const fields = shader('fields.wgsl');
    const variant = (OUTPUT: boolean, THEOREM: boolean, DECISION = false): string =>
      preprocess(fields, { OUTPUT, THEOREM, DECISION });
    expect(variant(false, false)).not.toMatch(/recordOutput|recordIntegrand|let inverseSigma/);
    expect(variant(true, false)).toMatch(/recordOutput\(field.output\)/);
    expect(variant(true, false)).not.toMatch(/let inverseSigma/);
    expect(variant(false, true)).toMatch(/let inverseSigma/);
    expect(variant(false, true)).not.toMatch(/recordOutput/);
    expect(variant(false, false, true)).toMatch(/decide\(&maps/);
    expect(variant(false, false, true)).toMatch(/recordOutput\(field.output\)/);
    expect(variant(true, false)).not.toMatch(/decide\(&maps/);
    const regions = shader('regions.wgsl');
    const none = { OUTPUT: false, THEOREM: false, DECISION: false };
    expect(preprocess(regions, none)).not.toMatch(/recordOutput|recordIntegrand|outputMaps/);
    expect(preprocess(regions, { ...none, OUTPUT: true })).toMatch(/recordOutput\(field.output\)/);
    expect(preprocess(regions, { ...none, THEOREM: true })).toMatch(/recordIntegrand\(theorem\[pixel\]\)/);
    expect(preprocess(regions, { ...none, DECISION: true })).toMatch(/decide\(&maps/);
    expect(preprocess(regions, { ...none, DECISION: true })).toMatch(/recordOutput\(field.output\)/);
  });

  it('bindings are read from the WGSL by variable name, each number once', () => {
    for (const file of ['fields.wgsl', 'regions.wgsl', 'colour.wgsl']) {
      const bindings = bindingsOf(shader(file));
      expect(bindings.size, file).toBeGreaterThan(3);
      expect(new Set(bindings.values()).size, file).toBe(bindings.size);
    }
    expect([...bindingsOf(shader('fields.wgsl')).keys()]).toEqual([
      'frame',
      'step',
      'chunk',
      'weights',
      'centre',
      'scratchIn',
      'scratchOut',
      'fields',
      'counters',
      'theorem',
    ]);
  });
});
