/** Built-in net names and the segment setting: what the URL and the CLI accept, and what they refuse. */
import { describe, expect, it } from 'vitest';
import { formatPreset, parsePreset, presetNet } from '../../src/model/presetSpec.ts';
import { sawtooth } from '../../src/model/presets.ts';
import { kDefaultSettings, parseSegment, settingsFromHash, settingsToHash } from '../../src/settings/settings.ts';
import { testSeed } from '../support/seed.ts';

describe('preset names', () => {
  it('parse and format round trip; the net is the sawtooth, perturbed when asked', () => {
    const k = 1 + (testSeed('unit/presetSpec.test.ts#1') % 12);
    expect(parsePreset(`sawtooth:${k}`)).toEqual({ depth: k, epsilon: 0, seed: 1 });
    const spec = { depth: k, epsilon: 0.03, seed: 7 };
    expect(parsePreset(formatPreset(spec))).toEqual(spec);
    expect(presetNet({ depth: k, epsilon: 0, seed: 1 })).toEqual(sawtooth(k));
    const perturbed = presetNet(spec);
    expect(perturbed.hidden).toHaveLength(k);
    expect(perturbed.hidden[0]?.weight).not.toEqual(sawtooth(k).hidden[0]?.weight);
  });

  it('refuse malformed names with a message; other names are not presets', () => {
    for (const bad of [
      'sawtooth',
      'sawtooth:0',
      'sawtooth:31',
      'sawtooth:4:abc',
      'sawtooth:4:-1',
      'sawtooth:4:0.1:x',
    ]) {
      expect(typeof parsePreset(bad), bad).toBe('string');
    }
    expect(parsePreset('0a1b2c')).toBeNull();
  });
});

describe('URL settings of the analysis', () => {
  it('a segment and a preset survive the URL; bad ones are refused and the previous values kept', () => {
    const settings = { ...kDefaultSettings, widths: [8], net: 'sawtooth:5', segment: [0, 0.5, 1, 0.5] };
    const back = settingsFromHash(settingsToHash(settings));
    expect(back.messages).toEqual([]);
    expect(back.settings.segment).toEqual([0, 0.5, 1, 0.5]);
    expect(back.settings.net).toBe('sawtooth:5');
    const bad = settingsFromHash('#segment=1,2,3&net=sawtooth:99', back.settings);
    expect(bad.messages).toHaveLength(2);
    expect(bad.settings.segment).toEqual([0, 0.5, 1, 0.5]);
    expect(bad.settings.net).toBe('sawtooth:5');
    expect(parseSegment('1,2,NaN,4')).toMatch(/four finite numbers/);
    expect(parseSegment('')).toEqual({ value: [] });
  });
});
