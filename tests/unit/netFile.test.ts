import { describe, expect, it } from 'vitest';
import { parseNet, parseNetBytes, serializeNet } from '../../src/model/files/netFile.ts';
import { netToSafetensors } from '../../src/model/files/netTensors.ts';
import type { Layer, Net } from '../../src/model/net.ts';
import { resolveNet } from '../../src/model/netSource.ts';
import { quoted } from '../../src/model/quote.ts';
import { randomNet } from '../../src/model/random.ts';
import { torchFileOfNet } from '../support/torchWriter.ts';

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
      '1-D input',
      withChange((f) => {
        f.inputDim = 1;
      }),
      /"inputDim" must be an integer from 2/,
    ],
    [
      '3-D input with rows of 2',
      withChange((f) => {
        f.inputDim = 3;
      }),
      /hidden\[0\]\.weight\[0\] has 2 entries, expected 3/,
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
    [
      'another activation',
      withChange((f) => {
        f.activation = 'tanh';
      }),
      /"activation" is the string "tanh": ReLUscope draws ReLU nets only/,
    ],
    [
      'an unknown key (never silently ignored)',
      withChange((f) => {
        f.dropout = 0.5;
      }),
      /unknown key "dropout" \(known: format, version/,
    ],
    [
      'an unknown key in a layer',
      withChange((f) => {
        (f.hidden as Record<string, unknown>[])[0]!.scale = 2;
      }),
      /hidden\[0\]: unknown key "scale" \(known: weight, bias\)/,
    ],
    [
      'more than 64 hidden layers',
      withChange((f) => {
        const square = {
          weight: [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
          bias: [0, 0, 0],
        };
        f.hidden = [(f.hidden as unknown[])[0], ...Array.from({ length: 64 }, () => square)];
      }),
      /the net has 65 hidden layers; at most 64 are shown/,
    ],
    [
      'a layer wider than 8192',
      JSON.stringify({
        ...good,
        hidden: [{ weight: Array.from({ length: 8193 }, () => [1, 0]), bias: Array(8193).fill(0) }],
        output: undefined,
      }),
      /a hidden layer has 8193 neurons; at most 8192 are shown/,
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

describe('net file bytes', () => {
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('a UTF-8 byte-order mark is skipped', () => {
    const parsed = parseNetBytes(Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes(JSON.stringify(good))]));
    expect(parsed.ok).toBe(true);
  });

  it('a binary file gets a message, not its bytes echoed (no terminal escapes)', () => {
    const binary = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x1b, 0x5b, 0x32, 0x4a, 0, 1, 2]);
    const parsed = parseNetBytes(binary);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error).toMatch(/not a text file \(a zero byte at offset 8\)/);
      expect(parsed.error).not.toContain('\u001b');
    }
    const latin1 = parseNetBytes(Uint8Array.from([0x7b, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a]));
    expect(latin1.ok ? '' : latin1.error).toMatch(/not UTF-8 text/);
    const escapes = parseNet('{"format": \u001b[2J}');
    expect(escapes.ok ? '' : escapes.error).not.toContain('\u001b');
    expect(escapes.ok ? '' : escapes.error).toMatch(/not valid JSON/);
  });
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

describe('one check of every net, whatever its format', () => {
  const layer = (inDim: number, outDim: number): Layer => ({
    inDim,
    outDim,
    weight: new Float64Array(inDim * outDim).fill(0.5),
    bias: new Float64Array(outDim).fill(0.1),
  });
  const writers: [string, (net: Net) => Uint8Array][] = [
    ['', (net) => new TextEncoder().encode(serializeNet(net))],
    ['PyTorch file: ', (net) => torchFileOfNet(net, 'DoubleStorage')],
    ['safetensors file: ', (net) => netToSafetensors(net)],
  ];
  const cases: [string, Net, string][] = [
    [
      'a hidden layer of no neurons',
      { inputDim: 2, hidden: [layer(2, 0), layer(0, 3)], output: layer(3, 1) },
      'hidden[0] has no neurons',
    ],
    [
      'an output layer of no units',
      { inputDim: 2, hidden: [layer(2, 3)], output: layer(3, 0) },
      'the output layer has no units',
    ],
  ];
  for (const [name, net, message] of cases) {
    it(`${name} is refused from JSON, PyTorch and safetensors alike (the binary formats loaded it)`, () => {
      for (const [prefix, write] of writers) {
        const result = parseNetBytes(write(net));
        expect(result.ok ? 'accepted' : result.error, prefix).toBe(`${prefix}${message}`);
      }
    });
  }
});

describe('a file whose name says another format', () => {
  const net = randomNet({ widths: [3], sigmaB: 0.1, seed: 1 });
  /** The message for `bytes` read from a file called `name`, as the command line and the app read it. */
  const read = (name: string, bytes: Uint8Array | string): string => {
    const source = {
      kind: 'file',
      name: quoted(name),
      bytes: typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes,
    } as const;
    try {
      resolveNet(source);
      return 'accepted';
    } catch (error) {
      return (error as Error).message;
    }
  };

  it('is read by its content; a failure says what the name promised and what the content is', () => {
    expect(read('model.pt', 'hello, this is text\n')).toMatch(
      /^"model\.pt": the name \(\.pt\) says a PyTorch file, but the content is text, read as relu-mlp JSON: not valid JSON/,
    );
    expect(read('model.PTH', Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 0, 0, 1))).toBe(
      '"model.PTH": the name (.pth) says a PyTorch file, but the content is binary data of no format read here ' +
        '(its first bytes: 7f 45 4c 46 00 00 01)',
    );
    expect(read('model.safetensors', torchFileOfNet(net).subarray(0, 100))).toMatch(
      /^"model\.safetensors": the name \(\.safetensors\) says a safetensors file, but the content is a PyTorch file: no end-/,
    );
    expect(read('model.pt', netToSafetensors({ ...net, hidden: [] }))).toMatch(
      /^"model\.pt": the name \(\.pt\) says a PyTorch file, but the content is a safetensors file: /,
    );
  });

  it('a file of another format that reads is accepted; a file of its own format keeps its message', () => {
    expect(read('model.safetensors', serializeNet(net))).toBe('accepted');
    expect(read('model.pt', netToSafetensors(net))).toBe('accepted');
    expect(read('model.pt', torchFileOfNet(net).subarray(0, 100))).toMatch(
      /^"model\.pt": PyTorch file: no end-of-central/,
    );
    expect(read('model.json', 'hello')).toMatch(/^"model\.json": not valid JSON: /);
  });
});
