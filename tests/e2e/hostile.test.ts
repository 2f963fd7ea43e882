/**
 * Hostile input found by review (issue 17): each case gets its exit code and a message that names the problem,
 * never raw terminal bytes or a stack trace. All of them are answered before a browser starts.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlCharacters, runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'reluscope-hostile-'));
const at = (name: string): string => join(dir, name);
/** Erase the screen, set the window title, ring the bell. */
const kEscapes = '\u001b[2J\u001b]0;pwned\u0007';

/** A safetensors file whose header is `text` as written. */
function safetensors(text: string): Uint8Array {
  const json = new TextEncoder().encode(text);
  const bytes = new Uint8Array(8 + json.byteLength);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  bytes.set(json, 8);
  return bytes;
}

beforeAll(async () => {
  writeFileSync(at('escapes.safetensors'), safetensors(`{"a":${kEscapes}}`));
  writeFileSync(at('plane-escapes.json'), `{"o": [1, ${kEscapes}]}`);
  const layer = (inDim: number, outDim: number) => ({
    weight: Array.from({ length: outDim }, (_, r) => Array.from({ length: inDim }, (_, c) => 1 + r - c)),
    bias: Array(outDim).fill(0.1),
  });
  const net3 = { format: 'relu-mlp', version: 1, inputDim: 3, hidden: [layer(3, 2)], output: layer(2, 1) };
  writeFileSync(at('net3.json'), JSON.stringify(net3));
  writeFileSync(at('plane-1e308.json'), JSON.stringify({ o: [1e308, 1e308, 1e308], a: [1, 0, 0], b: [0, 1, 0] }));
  // A small training run, then copies of it with one file replaced.
  const run = at('run');
  const train = ['--dataset', 'xor', '--widths', '4', '--steps', '2', '--samples', '100', '--batch', '16'];
  const trained = await runCli('src/cli/train.ts', [...train, '--checkpoints', '0,2', '--out', run]);
  expect(trained.code, trained.stderr).toBe(0);
  for (const file of ['run.json', 'metrics.json', 'data.json']) {
    cpSync(run, at(`run-${file}`), { recursive: true });
    writeFileSync(join(at(`run-${file}`), file), kEscapes);
  }
  for (const [name, view] of Object.entries(kRunViews)) {
    cpSync(run, at(`run-${name}`), { recursive: true });
    // Written as text: JSON.stringify cannot write 1e999.
    const file = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8')) as { probes: { view: unknown } };
    file.probes.view = 'VIEW';
    writeFileSync(join(at(`run-${name}`), 'run.json'), JSON.stringify(file).replace('"VIEW"', view));
  }
  mkdirSync(at('empty'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** run.json views that draw nothing (blank pictures, exit 0 before; a span of 0 hung in the drawing of the data). */
const kRunViews: Record<string, string> = {
  'span-0': '{"x0":1,"y0":-1,"x1":1,"y1":1}',
  infinite: '{"x0":-1,"y0":-1,"x1":1e999,"y1":1}',
  'upside-down': '{"x0":-1,"y0":1,"x1":1,"y1":-1}',
  strings: '{"x0":"-1","y0":-1,"x1":1,"y1":1}',
};

interface Case {
  readonly script: 'analyze' | 'shot';
  readonly args: readonly string[];
  readonly code: number;
  readonly stderr: RegExp;
}

const line = ['--line', '0,0,1,1'];
const shotOut = () => ['--size', '8x8', '--out', at('out.png')];

const cases: Record<string, () => Case> = {
  'a safetensors header with terminal escapes (V8 quotes it in its JSON error)': () => ({
    script: 'analyze',
    args: ['--net', at('escapes.safetensors'), ...line],
    code: 1,
    stderr: /the header is not UTF-8 JSON \(Unexpected token '\\x1b', .*\\x1b\[2J\\x1b\]0;pwned\\x07/,
  }),
  'a --plane file with terminal escapes (analyze)': () => ({
    script: 'analyze',
    args: ['--preset', 'mnist-mlp', '--plane', at('plane-escapes.json'), ...line],
    code: 2,
    stderr: /--plane ".*plane-escapes\.json": Unexpected token '\\x1b'/,
  }),
  'a --plane file with terminal escapes (shot)': () => ({
    script: 'shot',
    args: ['--preset', 'mnist-mlp', '--plane', at('plane-escapes.json'), ...shotOut()],
    code: 2,
    stderr: /--plane ".*plane-escapes\.json": Unexpected token '\\x1b'/,
  }),
  ...Object.fromEntries(
    ['run.json', 'metrics.json', 'data.json'].map((file) => [
      `a run folder whose ${file} holds terminal escapes`,
      (): Case => ({
        script: 'shot',
        args: ['--run', at(`run-${file}`), '--sweep', 'checkpoints', '--size', '8x8'],
        code: 1,
        stderr: new RegExp(`${file.replace('.', '\\.')}" is not JSON: Unexpected token '\\\\x1b'`),
      }),
    ]),
  ),
  'plane= through --url with terminal escapes (an image name)': () => ({
    script: 'shot',
    args: ['--url', `#plane=mnist:3/8${kEscapes},1/2,3/4`, ...shotOut()],
    code: 2,
    stderr:
      /plane "mnist:3\/8\\x1b\[2J\\x1b\]0;pwned\\x07,1\/2,3\/4": .*"3\/8\\x1b\[2J\\x1b\]0;pwned\\x07" is not D\/I/,
  }),
  'plane= through --url with terminal escapes (a number)': () => ({
    script: 'shot',
    args: ['--url', '#plane=o:1,\u001b[2J\u0007;a:1,0;b:0,1', ...shotOut()],
    code: 2,
    stderr: /o\[1\] is not a finite number: "\\x1b\[2J\\x07"/,
  }),
  'plane= through --url with terminal escapes (the kind)': () => ({
    script: 'shot',
    args: ['--url', `#plane=x${kEscapes}`, ...shotOut()],
    code: 2,
    stderr: /plane "x\\x1b\[2J\\x1b\]0;pwned\\x07": expected mnist:D\/I,D\/I,D\/I/,
  }),
  'net= through --url with terminal escapes (a sawtooth)': () => ({
    script: 'shot',
    args: ['--url', `#net=sawtooth${kEscapes}`, ...shotOut()],
    code: 2,
    stderr: /"sawtooth\\x1b\[2J\\x1b\]0;pwned\\x07" is not sawtooth:K/,
  }),
  'a run whose view has span 0': () =>
    runCase('span-0', /its view x0 1, y0 -1, x1 1, y1 1 cannot be shown: span 0 is outside \[1e-12, 1000000\]/),
  'a run whose view is infinite': () =>
    runCase(
      'infinite',
      /its view x0 -1, y0 -1, x1 Infinity, y1 1 cannot be shown: cx "Infinity" is not a finite number/,
    ),
  'a run whose view is upside down': () =>
    runCase('upside-down', /its view x0 -1, y0 1, x1 1, y1 -1 cannot be shown: span -2 is outside/),
  'a run whose view is not numbers': () =>
    runCase('strings', /its view \{"x0":"-1","y0":-1,"x1":1,"y1":1\} is not \{"x0": X, "y0": Y, "x1": X, "y1": Y\}/),
  'a run folder that does not exist (ENOENT before)': () => ({
    script: 'shot',
    args: ['--run', at('nowhere'), '--sweep', 'checkpoints', '--size', '8x8'],
    code: 1,
    stderr: /^shot: ".*nowhere" does not exist: --run takes the folder that npm run train --out wrote\n$/,
  }),
  'a run folder without run.json': () => ({
    script: 'shot',
    args: ['--run', at('empty'), '--sweep', 'checkpoints', '--size', '8x8'],
    code: 1,
    stderr: /^shot: ".*empty" holds no run\.json: --run takes the folder/,
  }),
  'a plane whose fold overflows (shot drew it, exit 0)': () => ({
    script: 'shot',
    args: ['--net', at('net3.json'), '--plane', at('plane-1e308.json'), ...shotOut()],
    code: 1,
    stderr: /^shot: the net's first layer folded with the plane overflows float64 at neuron 1: .* = Infinity\n$/,
  }),
  'a plane whose fold overflows (analyze refused only its results)': () => ({
    script: 'analyze',
    args: ['--net', at('net3.json'), '--plane', at('plane-1e308.json'), ...line],
    code: 1,
    stderr: /^analyze: the net's first layer folded with the plane overflows float64 at neuron 1: .* = Infinity\n$/,
  }),
  'a missing MNIST sample in analyze --plane (a stack trace before)': () => ({
    script: 'analyze',
    args: ['--preset', 'mnist-mlp', '--plane', 'mnist:3/99999,5/800,8/800', '--view', '0,0,1'],
    code: 2,
    stderr: /^analyze: mnist:3\/99999: digit 3 has samples 0\.\.1031\nUsage:/,
  }),
  'a missing MNIST sample in analyze --line (exit 1 before)': () => ({
    script: 'analyze',
    args: ['--preset', 'mnist-mlp', '--line', 'mnist:3/800,5/99999'],
    code: 2,
    stderr: /^analyze: mnist:5\/99999: digit 5 has samples 0\.\.862\nUsage:/,
  }),
  'a missing MNIST sample in shot --plane (a stack trace before)': () => ({
    script: 'shot',
    args: ['--preset', 'mnist-mlp', '--plane', 'mnist:3/800,5/800,8/99999', ...shotOut()],
    code: 2,
    stderr: /^shot: mnist:8\/99999: digit 8 has samples 0\.\.\d+\nUsage:/,
  }),
  'a missing MNIST sample in shot --url plane=random:SEED:D/I': () => ({
    script: 'shot',
    args: ['--preset', 'mnist-mlp', '--url', '#plane=random:2:9/5000', ...shotOut()],
    code: 2,
    stderr: /^shot: mnist:9\/5000: digit 9 has samples 0\.\.\d+\nUsage:/,
  }),
};

/** shot --run of the run folder `name` (kRunViews): refused, exit 1, the file named. */
function runCase(name: string, stderr: RegExp): Case {
  const args = ['--run', at(`run-${name}`), '--sweep', 'checkpoints', '--size', '8x8'];
  return { script: 'shot', args, code: 1, stderr: new RegExp(`^shot: ".*run-${name}/run\\.json": ${stderr.source}`) };
}

describe('hostile input to analyze and shot', () => {
  for (const [name, make] of Object.entries(cases)) {
    it(name, async () => {
      const c = make();
      const run = await runCli(`src/cli/${c.script}.ts`, c.args);
      const context = `${c.script} ${c.args.join(' ').slice(0, 200)}\n${run.stderr.slice(0, 2000)}`;
      expect(run.code, context).toBe(c.code);
      expect(run.stderr, context).toMatch(c.stderr);
      expect(run.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(controlCharacters(run.stderr), 'no raw control bytes').toEqual([]);
    });
  }
});
