/** Numbers, durations, CSV and scale-bar lengths as the readout, the panels and the commands write them. */
import { describe, expect, it } from 'vitest';
import { evaluations, everyNth, niceLength } from '../../src/app/readout.ts';
import { csvText, formatDuration, formatValue, ordinal } from '../../src/model/format.ts';

describe('format', () => {
  it('durations: tenths under ten of a unit, whole units above', () => {
    expect(formatDuration(400)).toBe('0.4 s');
    expect(formatDuration(12_345)).toBe('12 s');
    expect(formatDuration(192_000)).toBe('3.2 min');
    expect(formatDuration(5.1 * 3_600_000)).toBe('5.1 h');
    expect(formatDuration(140 * 3_600_000)).toBe('140 h');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('unknown');
  });

  it('values: three significant digits, exponents outside [1e-3, 1e5)', () => {
    expect(formatValue(-2.98765)).toBe('-2.99');
    expect(formatValue(0.0012345)).toBe('0.00123');
    expect(formatValue(0.00012345)).toBe('1.23e-4');
    expect(formatValue(123456)).toBe('1.23e+5');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(1e-4)).toBe('1e-4');
    expect(formatValue(0.25)).toBe('0.25');
  });

  it("values with more digits (the analysis panel, the commands' plots), and compact for narrow axes", () => {
    expect(formatValue(0.123456, { digits: 4 })).toBe('0.1235');
    expect(formatValue(12345.6, { digits: 4 })).toBe('12350');
    expect(formatValue(-1.5e-7, { digits: 4 })).toBe('-1.5e-7');
    expect(formatValue(200_000, { compact: true })).toBe('200k');
    expect(formatValue(1_534_000, { compact: true })).toBe('1.53M');
    expect(formatValue(-2500, { compact: true })).toBe('-2.5k');
    expect(formatValue(0.002, { compact: true })).toBe('0.002');
    expect(formatValue(3e9, { compact: true })).toBe('3e+9');
  });

  it('CSV: a header and a line a row; lists joined by ";", numbers in full, non-finite and missing cells empty', () => {
    expect(
      csvText(
        ['a', 'b', 'c'],
        [
          [1, 'x', [2, 3]],
          [0.1 + 0.2, Number.NaN, undefined],
          [null, -0, 1e21],
        ],
      ),
    ).toBe('a,b,c\n1,x,2;3\n0.30000000000000004,,\n,0,1e+21\n');
    expect(csvText(['a'], [])).toBe('a\n');
  });

  it('ordinals, and the grids of the readout: every pixel, every other pixel, every 4th, ..., every 32nd', () => {
    const ordinals = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 32, 101, 111, 112, 256].map(ordinal);
    expect(ordinals).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '32nd',
      '101st',
      '111th',
      '112th',
      '256th',
    ]);
    expect([1, 0.04339, 2].map(evaluations)).toEqual([
      '1 network evaluation',
      '0.0434 network evaluations',
      '2 network evaluations',
    ]);
    expect([1, 2, 4, 32, 64].map(everyNth)).toEqual([
      'every pixel',
      'every other pixel',
      'every 4th pixel',
      'every 32nd pixel',
      'every 64th pixel',
    ]);
  });

  it('scale bars: the largest 1, 2 or 5 times a power of ten not above the room', () => {
    expect(niceLength(0.37)).toBeCloseTo(0.2, 15);
    expect(niceLength(7.9e-9)).toBeCloseTo(5e-9, 24);
    expect(niceLength(1)).toBe(1);
    expect(niceLength(19.99)).toBe(10);
  });
});
