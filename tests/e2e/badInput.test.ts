/**
 * Bad input on purpose, as a user or a script gives it to the commands: each case gets the exit code and a message
 * that names the problem, never a stack trace or raw bytes, and leaves every existing file byte-identical with no
 * temporary file behind. Cases that fail before the browser starts run in a fraction of a second each.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enumerateRegions } from '../../src/analysis/polygons.ts';
import { kChromium } from '../../src/cli/harness.ts';
import { serializeNet } from '../../src/model/files/netFile.ts';
import { randomNet } from '../../src/model/random.ts';
import { controlCharacters, runCli } from '../support/cli.ts';
import { kExtremeFactors, rescaled } from '../support/nets.ts';
import { op, torchFileOfNet, torchZip } from '../support/torchWriter.ts';

const dir = mkdtempSync(join(tmpdir(), 'reluscope-bad-input-'));
const keep = join(dir, 'keep.png');
const keptBytes = Buffer.from('an existing file that no failing run may change');
const net = randomNet({ widths: [6, 5], sigmaB: 0.4, seed: 11 });
const at = (name: string): string => join(dir, name);

beforeAll(() => {
  const file = JSON.parse(serializeNet(net)) as Record<string, unknown>;
  const square = {
    weight: [
      [1, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 1],
    ],
    bias: [0, 0, 0, 0, 0],
  };
  const files: Record<string, string | Uint8Array> = {
    'net.json': serializeNet(net),
    'bom.json': `\ufeff${serializeNet(net)}`,
    'binary.json': Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x1b, 0x5b, 0x32, 0x4a, 0x1b, 0x5d, 0x30, 0, 0, 1]),
    'latin1.json': Uint8Array.from([0x7b, 0x22, 0xe9, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x22, 0x7d]),
    'tanh.json': JSON.stringify({ ...file, activation: 'tanh' }),
    'extra-key.json': JSON.stringify({ ...file, dropout: 0.1 }),
    'deep.json': JSON.stringify({ ...file, hidden: [...(file.hidden as unknown[]), ...Array(63).fill(square)] }),
    'nan.json': '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[NaN,1]],"bias":[0]}]}',
    'null.json': '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[null,1]],"bias":[0]}]}',
    'huge.json': '{"format":"relu-mlp","version":1,"inputDim":2,"hidden":[{"weight":[[1e999,1]],"bias":[0]}]}',
    'extreme.json': serializeNet(rescaled(net, kExtremeFactors[0]?.slice(0, 2) ?? [])),
    'overflow.json': serializeNet({
      ...net,
      output: {
        ...(net.output ?? net.hidden[1]!),
        weight: Float64Array.from([1e308, 1e308, 1e308, 1e308, 1e308]),
        bias: Float64Array.of(1e308),
      },
    }),
    'batch-batch.json': JSON.stringify([{ seed: 1, out: at('b.png'), batch: 'x' }]),
    'batch-help.json': JSON.stringify([{ seed: 1, out: at('b.png'), help: true }]),
    'batch-object.json': JSON.stringify({ seed: 1 }),
    'batch-binary.json': Uint8Array.from([0x1b, 0x5b, 0x32, 0x4a, 0, 0xff]),
    'system.pt': torchZip(
      Uint8Array.from([
        ...op.proto(),
        ...op.global('os', 'system'),
        ...op.str('touch pwned'),
        ...op.tuple1,
        ...op.reduce,
      ]),
      new Map(),
    ),
    'truncated.pt': torchFileOfNet(net).subarray(0, 300),
    'not-a-folder': 'a file where a folder is expected',
    'chromium-unlimited': `#!/bin/sh\nulimit -S -f unlimited\nexec ${kChromium} "$@"\n`,
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(at(name), content);
  chmodSync(at('chromium-unlimited'), 0o755);
  mkdirSync(at('folder.png'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly args: readonly string[];
  readonly code: number;
  readonly stderr?: RegExp;
  readonly stdout?: RegExp;
  /** Run under `ulimit -f` with this many 512-byte blocks: a disk that fills up. */
  readonly fileBlocks?: number;
  readonly env?: Record<string, string>;
}

const usage = { analyze: /Usage: npm run analyze/, shot: /Usage: npm run shot/ };
const line = ['--line', '-1,-0.3,1,0.4'];
const shotOut = ['--size', '16x12', '--out', keep];

const analyzeCases: Record<string, Case> = {
  'no arguments': { args: [], code: 2, stderr: usage.analyze },
  'a line of three numbers': { args: ['--line', '0,0,1'], code: 2, stderr: /--line 0,0,1: expected 4 numbers/ },
  'a negative span': { args: ['--view', '0,0,-1'], code: 2, stderr: /the span must be in \[1e-12, 1000000\]/ },
  'a span of 1e-300': { args: ['--view', '0,0,1e-300'], code: 2, stderr: /the span must be in/ },
  'coordinates past float64 overflow': {
    args: ['--line', '-1e308,0,1.7e308,0'],
    code: 2,
    stderr: /"-1e308" is not a number in \[-1000000, 1000000\]/,
  },
  'a segment of no length': { args: ['--line', '1,1,1,1'], code: 2, stderr: /the segment has no length/ },
  'widths that are not numbers': {
    args: ['--widths', 'abc', ...line],
    code: 2,
    stderr: /--widths.*"abc" is not an integer/,
  },
  'an unknown flag': { args: ['--bogus', '1'], code: 2, stderr: /unknown flag --bogus/ },
  'a flag where a value belongs (--seed --help)': {
    args: ['--seed', '--help', ...line],
    code: 2,
    stderr: /--seed needs a value \(a value that starts with a dash is written --seed=-X\)/,
  },
  'a value given to a switch': { args: ['--json=yes', ...line], code: 2, stderr: /--json takes no value/ },
  'a stray word with terminal escapes': {
    args: ['\u001b[2Jx', ...line],
    code: 2,
    stderr: /unexpected argument "\\x1b\[2Jx"/,
  },
  'sigma_b out of range (refused, not "using")': {
    args: ['--sigma-b', '200', ...line],
    code: 2,
    stderr: /--sigma-b 200 is outside \[0, 100\]\n/,
  },
  'more layers than the limit': {
    args: ['--layers', '65', ...line],
    code: 2,
    stderr: /--layers 65 is outside \[0, 64\]/,
  },
  'more layers than the net': {
    args: ['--widths', '4,4', '--layers', '3', ...line],
    code: 2,
    stderr: /--layers 3: the net has 2 hidden layers/,
  },
  'a preset and widths': {
    args: ['--preset', 'sawtooth:3', '--widths', '4,4', ...line],
    code: 2,
    stderr: /give one net: --preset and --widths\/--seed/,
  },
  'a file and a preset': {
    args: ['--net', at('net.json'), '--preset', 'sawtooth:3', ...line],
    code: 2,
    stderr: /give one net: --net and --preset/,
  },
  'a preset too deep': {
    args: ['--preset', 'sawtooth:99', ...line],
    code: 2,
    stderr: /sawtooth:K\[:EPSILON\[:SEED\]\] with K in 1\.\.30/,
  },
  'a negative sample count': {
    args: ['--samples', '-1', '--view', '0,0,1'],
    code: 2,
    stderr: /--samples -1: expected an integer/,
  },
  'a plot that is not .svg': { args: [...line, '--plot', at('p.txt')], code: 2, stderr: /must end in \.svg/ },
  'a plot onto a folder': { args: [...line, '--plot', at('folder.png')], code: 2, stderr: /must end in \.svg/ },
  'a plot inside a file': {
    args: [...line, '--plot', join(at('not-a-folder'), 'p.svg')],
    code: 2,
    stderr: /is not a folder/,
  },
  'a plot without a line': { args: ['--view', '0,0,1', '--plot', at('p.svg')], code: 2, stderr: /--plot needs --line/ },
  'a net file that does not exist': {
    args: ['--net', at('missing.json'), ...line],
    code: 1,
    stderr: /cannot read ".*missing\.json": ENOENT/,
  },
  'a folder as the net': { args: ['--net', dir, ...line], code: 1, stderr: /is a folder, not a file/ },
  '/dev/zero as the net (no size bound before)': {
    args: ['--net', '/dev/zero', ...line],
    code: 1,
    stderr: /"\/dev\/zero" is larger than 512 MiB/,
  },
  'a binary net file': {
    args: ['--net', at('binary.json'), ...line],
    code: 1,
    stderr: /not a text file \(a zero byte at offset 11\)/,
  },
  'a net file that is not UTF-8': { args: ['--net', at('latin1.json'), ...line], code: 1, stderr: /not UTF-8 text/ },
  'tanh in a net file': {
    args: ['--net', at('tanh.json'), ...line],
    code: 1,
    stderr: /"activation" is the string "tanh"/,
  },
  'an unknown key in a net file': {
    args: ['--net', at('extra-key.json'), ...line],
    code: 1,
    stderr: /unknown key "dropout"/,
  },
  'a net of 65 hidden layers': {
    args: ['--net', at('deep.json'), ...line],
    code: 1,
    stderr: /65 hidden layers; at most 64/,
  },
  'a NaN literal': { args: ['--net', at('nan.json'), ...line], code: 1, stderr: /not valid JSON/ },
  'a null weight': {
    args: ['--net', at('null.json'), ...line],
    code: 1,
    stderr: /hidden\[0\]\.weight\[0\]\[0\] is not a finite number: null/,
  },
  'a weight of 1e999': {
    args: ['--net', at('huge.json'), ...line],
    code: 1,
    stderr: /is not a finite number: Infinity/,
  },
  'outputs beyond float64 (never printed as null)': {
    args: ['--net', at('overflow.json'), '--json', ...line],
    code: 1,
    stderr: /beyond float64's range, so not printed: line\.outputs/,
  },
  'a PyTorch file whose pickle names os.system': {
    args: ['--net', at('system.pt'), ...line],
    code: 1,
    stderr:
      /system\.pt": PyTorch file: the pickle names os\.system at offset 2: refused \(ReLUscope reads only a weights-only state_dict; nothing was executed\)/,
  },
  'a truncated PyTorch file': {
    args: ['--net', at('truncated.pt'), ...line],
    code: 1,
    stderr: /truncated\.pt": PyTorch file: no end-of-central-directory record .* truncated/,
  },
  'a BOM before the JSON (accepted)': {
    args: ['--net', at('bom.json'), ...line],
    code: 0,
    stdout: /^line: \d+ regions/,
  },
  'a plot into a folder that does not exist yet (made)': {
    args: [...line, '--plot', join(dir, 'new', 'p.svg')],
    code: 0,
    stdout: /^line:/,
  },
  'a plot on a full disk: the results are printed all the same': {
    args: [...line, '--preset', 'sawtooth:12', '--plot', keep.replace(/\.png$/, '.svg')],
    code: 1,
    fileBlocks: 8,
    stdout: /^line: \d+ regions/,
    stderr: /cannot write ".*keep\.svg": EFBIG.*\(the results above are complete\)/,
  },
};

const shotCases: Record<string, Case> = {
  'no --out': { args: ['--size', '10x10'], code: 2, stderr: /--out FILE\.png is required/ },
  'an unknown flag': { args: [...shotOut, '--bogus'], code: 2, stderr: usage.shot },
  'a bad width': { args: [...shotOut, '--widths', '4,zero'], code: 2, stderr: /"zero" is not an integer/ },
  'a size of 0': { args: ['--size', '0x5', '--out', keep], code: 2, stderr: /--size 0x5/ },
  'an output that is not .png': { args: ['--size', '8x8', '--out', at('x.jpg')], code: 2, stderr: /must end in \.png/ },
  'an output that is a folder': { args: ['--size', '8x8', '--out', at('folder.png')], code: 2, stderr: /is a folder/ },
  'the same file twice': { args: [...shotOut, '--fields', keep], code: 2, stderr: /named twice as an output/ },
  'a zoom without --to': { args: [...shotOut, '--sweep', 'zoom'], code: 2, stderr: /--sweep zoom needs --to SPAN/ },
  "an output unit beyond the net's": {
    args: [...shotOut, '--widths', '4,4', '--unit', '1'],
    code: 2,
    stderr: /--unit 1: the net has 1 output unit\n/,
  },
  'a preset and outputs': {
    args: [...shotOut, '--preset', 'sawtooth:3', '--outputs', '3'],
    code: 2,
    stderr: /give one net: --preset and --widths\/--seed\/--outputs/,
  },
  'a decision of more than 64 output units': {
    args: [...shotOut, '--outputs', '65', '--mode', 'decision'],
    code: 2,
    stderr: /--mode decision: the net has 65 output units; the argmax is of 64 at most/,
  },
  'a zoom to 1e-300 (span limits as for --span)': {
    args: [...shotOut, '--sweep', 'zoom', '--to', '1e-300'],
    code: 2,
    stderr: /--to 1e-300: a span must be in \[1e-12, 1000000\]/,
  },
  'sigma_b out of range (refused, not "using")': {
    args: [...shotOut, '--sigma-b', '200'],
    code: 2,
    stderr: /--sigma-b 200 is outside \[0, 100\]\n/,
  },
  'an edge width out of range': {
    args: [...shotOut, '--edge-width', '99'],
    code: 2,
    stderr: /--edge-width 99 is outside/,
  },
  'an unknown mode': { args: [...shotOut, '--mode', 'nope'], code: 2, stderr: /--mode "nope" is not one of regions/ },
  'a preset and widths (the preset was dropped)': {
    args: [...shotOut, '--preset', 'sawtooth:3', '--widths', '4,4'],
    code: 2,
    stderr: /give one net/,
  },
  'more layers than the net (as in analyze)': {
    args: [...shotOut, '--widths', '4,4', '--layers', '3'],
    code: 2,
    stderr: /--layers 3: the net has 2 hidden layers/,
  },
  'a 100 KB URL value (not echoed in full)': {
    args: [...shotOut, '--url', `#mode=${'a'.repeat(100_000)}`],
    code: 2,
    stderr: /mode="a{40}"…\(99960 more characters\)/,
  },
  'a URL naming a net stored in a browser': {
    args: [...shotOut, '--url', '#net=0123abcd'],
    code: 2,
    stderr: /pass its file with --net/,
  },
  'a batch entry with "batch"': {
    args: ['--size', '8x8', '--batch', at('batch-batch.json')],
    code: 2,
    stderr: /"batch" applies to the whole run/,
  },
  'a batch entry with "help"': {
    args: ['--size', '8x8', '--batch', at('batch-help.json')],
    code: 2,
    stderr: /"help" applies to the whole run/,
  },
  'a batch that is not an array': {
    args: ['--size', '8x8', '--batch', at('batch-object.json')],
    code: 2,
    stderr: /expected a non-empty array/,
  },
  'a binary batch file': { args: ['--size', '8x8', '--batch', at('batch-binary.json')], code: 2, stderr: /--batch: / },
  '/dev/zero as the net': { args: [...shotOut, '--net', '/dev/zero'], code: 1, stderr: /larger than 512 MiB/ },
  'a binary net file': { args: [...shotOut, '--net', at('binary.json')], code: 1, stderr: /not a text file/ },
  'a PyTorch file whose pickle names os.system': {
    args: [...shotOut, '--net', at('system.pt')],
    code: 1,
    stderr: /the pickle names os\.system at offset 2: refused/,
  },
  'fields to /dev/full: the PNG is not replaced': {
    args: [...shotOut, '--widths', '4', '--fields', '/dev/full'],
    code: 1,
    stderr: /cannot write "\/dev\/full": ENOSPC/,
  },
  'a full disk: nothing replaced, the message names the file': {
    args: ['--size', '64x64', '--out', keep, '--widths', '4'],
    code: 1,
    fileBlocks: 1,
    // Chromium gets its limit back (its profile needs space): only node's writes meet the full disk.
    env: { RELUSCOPE_CHROMIUM: at('chromium-unlimited') },
    stderr: /cannot write ".*keep\.png": EFBIG/,
  },
  'no WebGPU adapter: what was tried and what to install, exit 3': {
    args: [...shotOut, '--widths', '4'],
    code: 3,
    env: { RELUSCOPE_CHROMIUM_ARGS: '--disable-gpu' },
    stderr:
      /no WebGPU in headless Chromium\. Tried \/usr\/bin\/chromium \(Chromium \d+.*\) with --no-sandbox .*--enable-features=Vulkan .*--disable-gpu; the answer: .*no GPU adapter.*apt-get install chromium libvulkan1/,
  },
};

const otherCases: Record<string, Case & { readonly script: string }> = {
  'bench --only with a typo': {
    script: 'src/cli/bench.ts',
    args: ['--only', 'fasst'],
    code: 2,
    stderr: /--only fasst: expected fast or brute/,
  },
  'bench --frames 0': {
    script: 'src/cli/bench.ts',
    args: ['--frames', '0'],
    code: 2,
    stderr: /--frames 0: expected an integer in \[1, 10000\]/,
  },
  'study --out inside a file': {
    script: 'src/cli/study.ts',
    args: ['--out', join(at('not-a-folder'), 'x')],
    code: 2,
    stderr: /is not a folder/,
  },
  'study --seeds 0': {
    script: 'src/cli/study.ts',
    args: ['--seeds', '0'],
    code: 2,
    stderr: /--seeds 0: expected an integer in \[1, 1000\]/,
  },
};

/** Runs a command as a user would (optionally with a file size limit), then checks that nothing was damaged. */
async function check(script: string, c: Case): Promise<void> {
  writeFileSync(keep, keptBytes);
  writeFileSync(keep.replace(/\.png$/, '.svg'), keptBytes);
  const run = c.fileBlocks
    ? await runCli(
        '/bin/bash',
        ['-c', `ulimit -S -f ${c.fileBlocks}; exec "$0" --import tsx "$@"`, process.execPath, script, ...c.args],
        c.env,
        true,
      )
    : await runCli(script, c.args, c.env);
  const context = `${script} ${c.args.join(' ').slice(0, 200)}\n${run.stderr.slice(0, 2000)}`;
  expect(run.code, context).toBe(c.code);
  if (c.stderr) expect(run.stderr, context).toMatch(c.stderr);
  if (c.stdout) expect(run.stdout, context).toMatch(c.stdout);
  expect(run.stderr, 'no stack trace').not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(controlCharacters(run.stderr), 'no raw control bytes').toEqual([]);
  expect(readFileSync(keep).equals(keptBytes), 'existing files are byte-identical').toBe(true);
  expect(
    readdirSync(dir).filter((name) => name.endsWith('.reluscope-tmp')),
    'no temporary file left',
  ).toEqual([]);
}

describe('bad input to npm run analyze', () => {
  for (const [name, c] of Object.entries(analyzeCases)) it(name, () => check('src/cli/analyze.ts', c));

  it('a net whose layers span float64 (1e300 to 1e-290) counts exactly the regions of its unscaled twin', async () => {
    const run = await runCli('src/cli/analyze.ts', ['--net', at('extreme.json'), '--json', '--view', '0,0,3']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { view: { regions: number } };
    expect(report.view.regions).toBe(enumerateRegions(net, { x0: -1.5, y0: -1.5, x1: 1.5, y1: 1.5 }).regions);
  });
});

describe('bad input to npm run shot', () => {
  for (const [name, c] of Object.entries(shotCases)) it(name, () => check('src/cli/shot.ts', c));
});

describe('bad input to the other commands', () => {
  for (const [name, c] of Object.entries(otherCases)) it(name, () => check(c.script, c));
});

afterAll(() => {
  const count = Object.keys(analyzeCases).length + Object.keys(shotCases).length + Object.keys(otherCases).length;
  console.log(`bad inputs given to the commands: ${count + 1}`);
});
