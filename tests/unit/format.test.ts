/** Numbers, durations and scale-bar lengths as the readout and the benchmark print them. */
import { describe, expect, it } from 'vitest';
import { niceLength } from '../../src/app/readout.ts';
import { formatDuration, formatValue } from '../../src/model/format.ts';

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
  });

  it('scale bars: the largest 1, 2 or 5 times a power of ten not above the room', () => {
    expect(niceLength(0.37)).toBeCloseTo(0.2, 15);
    expect(niceLength(7.9e-9)).toBeCloseTo(5e-9, 24);
    expect(niceLength(1)).toBe(1);
    expect(niceLength(19.99)).toBe(10);
  });
});
