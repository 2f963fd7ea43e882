/**
 * The safetensors reader treats a file as hostile: every length and offset is checked against the file before a
 * byte of data is read. The writer's files round-trip exactly (float64) through it.
 */
import { describe, expect, it } from 'vitest';
import { netFromSafetensors, netToSafetensors } from '../../src/model/files/netTensors.ts';
import { decodeSafetensors, encodeSafetensors, kMaxHeaderBytes } from '../../src/model/files/safetensors.ts';
import { randomNet } from '../../src/model/random.ts';

/** A file from a header object and raw data bytes. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), headerLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.byteLength + data.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, headerLength ?? BigInt(json.byteLength), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.byteLength);
  return bytes;
}

const f32 = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);

describe('safetensors', () => {
  it('round-trips a net exactly in float64, and in float32 to float32 precision', () => {
    const net = randomNet({ widths: [7, 5], sigmaB: 0.3, seed: 4 });
    const back = netFromSafetensors(netToSafetensors(net));
    expect(back.hidden.map((l) => Array.from(l.weight))).toEqual(net.hidden.map((l) => Array.from(l.weight)));
    expect(Array.from(back.output?.bias ?? [])).toEqual(Array.from(net.output?.bias ?? []));
    const single = netFromSafetensors(netToSafetensors(net, 'F32'));
    expect(Array.from(single.hidden[1]?.weight ?? [])).toEqual(Array.from(net.hidden[1]?.weight ?? [], Math.fround));
    const headless = netFromSafetensors(netToSafetensors({ ...net, output: null }));
    expect(headless.output).toBeNull();
    expect(headless.hidden).toHaveLength(2);
  });

  it('reads F32, F16 and BF16 values', () => {
    const f16 = Uint8Array.from([0x00, 0x3c, 0x00, 0xc0]); // 1, -2
    const bf16 = Uint8Array.from([0x80, 0x3f, 0x40, 0x40]); // 1, 3
    const bytes = file(
      {
        a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
        b: { dtype: 'F16', shape: [2], data_offsets: [8, 12] },
        c: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
      },
      Uint8Array.from([...f32([0.5, -4]), ...f16, ...bf16]),
    );
    const { tensors } = decodeSafetensors(bytes);
    expect(Array.from(tensors.get('a')?.data ?? [])).toEqual([0.5, -4]);
    expect(Array.from(tensors.get('b')?.data ?? [])).toEqual([1, -2]);
    expect(Array.from(tensors.get('c')?.data ?? [])).toEqual([1, 3]);
  });

  const hostile: [string, Uint8Array, RegExp][] = [
    ['a file shorter than its length field', Uint8Array.from([1, 2, 3]), /too short/],
    ['a header length past the end', file({}, new Uint8Array(0), 1000n), /runs past the end of the file/],
    ['a header length of 2^64 - 1', file({}, new Uint8Array(0), 2n ** 64n - 1n), /runs past the end/],
    [
      'a header that is not JSON',
      (() => {
        const bytes = file({});
        bytes.set(new TextEncoder().encode('{x'), 8);
        return bytes;
      })(),
      /not UTF-8 JSON/,
    ],
    [
      'an offset past the data',
      file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32([1])),
      /outside the 4 bytes/,
    ],
    [
      'dtype x shape unequal to the bytes',
      file({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32([1, 2])),
      /needs 12 bytes, data_offsets give 8/,
    ],
    [
      'overlapping tensors',
      file(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        f32([1, 2, 3]),
      ),
      /"a" and "b" overlap/,
    ],
    [
      'an integer dtype',
      file({ a: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
      /dtype "I64"; supported: F64, F32, F16, BF16/,
    ],
    [
      'a negative shape',
      file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }),
      /"shape" must be an array of non-negative integers/,
    ],
    [
      'a shape larger than the file',
      file({ a: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4] } }, f32([1])),
      /larger than the file/,
    ],
    ['metadata that is not strings', file({ __metadata__: { a: 1 } }), /"__metadata__" must be an object of strings/],
  ];
  for (const [name, bytes, message] of hostile) {
    it(`refuses ${name}`, () => {
      expect(() => decodeSafetensors(bytes)).toThrow(message);
    });
  }

  it('caps the header size', () => {
    const bytes = new Uint8Array(8 + kMaxHeaderBytes + 2);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(kMaxHeaderBytes + 1), true);
    expect(() => decodeSafetensors(bytes)).toThrow(/over the \d+-byte cap/);
  });

  it('the writer pads the header to 8 bytes, so that the data starts aligned', () => {
    const bytes = encodeSafetensors(new Map([['x', { shape: [1], data: Float64Array.of(2) }]]), 'F64');
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    expect(decodeSafetensors(bytes).tensors.get('x')?.data[0]).toBe(2);
  });
});

describe('safetensors names', () => {
  /** A file whose header is `text` as written (JSON.stringify cannot write a key twice), with `data`. */
  const raw = (text: string, data: Uint8Array = new Uint8Array(0)): Uint8Array => {
    const json = new TextEncoder().encode(text);
    const bytes = new Uint8Array(8 + json.byteLength + data.byteLength);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(json.byteLength), true);
    bytes.set(json, 8);
    bytes.set(data, 8 + json.byteLength);
    return bytes;
  };
  const tensor = (begin: number) => `{"dtype": "F32", "shape": [1], "data_offsets": [${begin}, ${begin + 4}]}`;

  it('a key named twice is refused (JSON.parse would keep the last), as written or escaped, at any depth', () => {
    const twice = raw(`{"a.weight": ${tensor(0)}, "a.bias" :${tensor(4)},\n "a.weight"  : ${tensor(0)}}`, f32([1, 2]));
    expect(() => decodeSafetensors(twice)).toThrow(/^the header names "a\.weight" twice$/);
    const escaped = raw(`{"a": ${tensor(0)}, "\\u0061": ${tensor(0)}}`, f32([1]));
    expect(() => decodeSafetensors(escaped)).toThrow(/names "a" twice/);
    const nested = raw('{"a": {"dtype": "F32", "shape": [1], "dtype": "F64", "data_offsets": [0, 4]}}', f32([1]));
    expect(() => decodeSafetensors(nested)).toThrow(/names "dtype" twice/);
  });

  it('the same key in different objects, and keys as string values, are not duplicates', () => {
    const text = `{"__metadata__": {"a": "a", "b": "a,\\"b\\":{[", "c": "}"}, "a": ${tensor(0)}, "b": ${tensor(4)}}`;
    const { tensors, metadata } = decodeSafetensors(raw(text, f32([1, 2])));
    expect([...tensors.keys()]).toEqual(['a', 'b']);
    expect(metadata).toEqual({ a: 'a', b: 'a,"b":{[', c: '}' });
  });

  it('100,000 names are read in linear time (a quadratic loop over the names took about 50 s)', () => {
    const count = 100_000;
    const names = Array.from({ length: count }, (_, i) => `"layer${i}.weight": ${tensor(4 * i)}`);
    const bytes = raw(`{${names.join(',')}}`, new Uint8Array(4 * count));
    const start = performance.now();
    expect(() => netFromSafetensors(bytes)).toThrow(/"layer0\.weight" has shape \[1\]/);
    expect(performance.now() - start).toBeLessThan(10_000);
  });
});
