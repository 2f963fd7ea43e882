import { describe, expect, it } from 'vitest';
import { parseNet, serializeNet } from '../../src/model/netFile.ts';
import { randomNet } from '../../src/model/random.ts';

const good = {
  format: 'relu-mlp',
  version: 1,
  inputDim: 2,
  hidden: [
    {
      weight: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      bias: [0, 1, 2],
    },
  ],
  output: { weight: [[1, 1, 1]], bias: [0] },
};

function withChange(change: (file: Record<string, unknown>) => void): string {
  const file = structuredClone(good) as unknown as Record<string, unknown>;
  change(file);
  return JSON.stringify(file);
}

describe('relu-mlp files', () => {
  it('round-trips a random net bit for bit', () => {
    const net = randomNet({ widths: [5, 7], sigmaB: 0.3, seed: 9 });
    const parsed = parseNet(serializeNet(net));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.net.hidden.map((l) => Array.from(l.weight))).toEqual(net.hidden.map((l) => Array.from(l.weight)));
    expect(Array.from(parsed.net.output?.bias ?? [])).toEqual(Array.from(net.output?.bias ?? []));
  });

  it('accepts a file without an output layer', () => {
    const parsed = parseNet(
      withChange((f) => {
        delete f.output;
      }),
    );
    expect(parsed.ok && parsed.net.output).toBe(null);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '{"format": "relu-mlp", ', /not valid JSON/],
    ['NaN literal', '{"format": "relu-mlp", "x": NaN}', /not valid JSON/],
    [
      'wrong format',
      withChange((f) => {
        f.format = 'onnx';
      }),
      /"format" must be "relu-mlp"/,
    ],
    [
      'wrong version',
      withChange((f) => {
        f.version = 2;
      }),
      /"version" must be 1/,
    ],
    [
      '3-D input',
      withChange((f) => {
        f.inputDim = 3;
      }),
      /"inputDim" must be 2/,
    ],
    [
      'no hidden layers',
      withChange((f) => {
        f.hidden = [];
      }),
      /"hidden" must be a non-empty array/,
    ],
    [
      'a short row',
      withChange((f) => {
        (f.hidden as { weight: number[][] }[])[0]!.weight[1] = [3];
      }),
      /hidden\[0\]\.weight\[1\] has 1 entries, expected 2/,
    ],
    [
      'a null (NaN written by JSON.stringify)',
      withChange((f) => {
        (f.hidden as { weight: (number | null)[][] }[])[0]!.weight[2]![1] = null;
      }),
      /hidden\[0\]\.weight\[2\]\[1\] is not a finite number: null/,
    ],
    [
      'a huge number',
      '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[1e999,0]],"bias":[0]}]}',
      /hidden\[0\]\.weight\[0\]\[0\] is not a finite number: Infinity/,
    ],
    [
      'a string weight',
      withChange((f) => {
        (f.hidden as { bias: unknown[] }[])[0]!.bias[0] = 'x';
      }),
      /hidden\[0\]\.bias\[0\] is not a finite number/,
    ],
    [
      'bias length',
      withChange((f) => {
        (f.hidden as { bias: number[] }[])[0]!.bias = [1];
      }),
      /bias has 1 entries, expected 3/,
    ],
    [
      'output shape',
      withChange((f) => {
        f.output = { weight: [[1, 1]], bias: [0] };
      }),
      /output\.weight\[0\] has 2 entries, expected 3/,
    ],
  ];
  for (const [name, text, message] of bad) {
    it(`rejects ${name} with a message naming the problem`, () => {
      const parsed = parseNet(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error).toMatch(message);
    });
  }
});

describe('seeded random nets', () => {
  it('are reproducible and He-initialized', () => {
    const a = randomNet({ widths: [512, 512], sigmaB: 0.1, seed: 42 });
    const b = randomNet({ widths: [512, 512], sigmaB: 0.1, seed: 42 });
    const c = randomNet({ widths: [512, 512], sigmaB: 0.1, seed: 43 });
    expect(Array.from(a.hidden[1]!.weight)).toEqual(Array.from(b.hidden[1]!.weight));
    expect(a.hidden[1]!.weight[0]).not.toBe(c.hidden[1]!.weight[0]);
    const w = a.hidden[1]!.weight;
    const variance = w.reduce((s, x) => s + x * x, 0) / w.length;
    expect(variance).toBeGreaterThan(0.97 * (2 / 512));
    expect(variance).toBeLessThan(1.03 * (2 / 512));
    const bias = a.hidden[0]!.bias;
    const biasVariance = bias.reduce((s, x) => s + x * x, 0) / bias.length;
    expect(Math.sqrt(biasVariance)).toBeGreaterThan(0.08);
    expect(Math.sqrt(biasVariance)).toBeLessThan(0.12);
  });
});
