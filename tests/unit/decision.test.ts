/**
 * The decision mode's and the output unit's pure parts: the float64 argmax (ties, one unit, the distance to the
 * decision boundary), outputUnit and outputCount, random nets of several outputs (the nets of one output
 * unchanged), the `unit` setting (parsed, clamped to the net's units), the legend's classes.
 */
import { describe, expect, it } from 'vitest';
import { decisionClasses, oneClassInView } from '../../src/app/legend.ts';
import { parseCommand, settingsFromFlags } from '../../src/cli/commandLine.ts';
import { kShotCommand } from '../../src/cli/shotArgs.ts';
import { classColour } from '../../src/gpu/colourScale.ts';
import { outputCount, outputUnit } from '../../src/model/net.ts';
import { decide, evaluatePoint } from '../../src/model/oracle.ts';
import { Random, randomNet } from '../../src/model/random.ts';
import { clampUnit, kDefaultSettings, settingsFromHash, settingsToHash } from '../../src/settings/settings.ts';

describe('decide: the argmax of the outputs', () => {
  it('the largest unit; ties go to the lowest index (numpy, PyTorch)', () => {
    expect(decide([1, 3, 2], [0, 0, 0], [0, 0, 0]).predicted).toBe(1);
    expect(decide([5, 5, 1], [0, 0, 0], [0, 0, 0]).predicted).toBe(0);
    expect(decide([-1, 2, 2], [0, 0, 0], [0, 0, 0]).predicted).toBe(1);
    expect(decide([0, 0, 0], [0, 0, 0], [0, 0, 0]).predicted).toBe(0);
  });

  it('one unit: two classes by its sign (0 where <= 0)', () => {
    expect(decide([0.5], [1], [0]).predicted).toBe(1);
    expect(decide([-0.5], [1], [0]).predicted).toBe(0);
    expect(decide([0], [1], [0]).predicted).toBe(0);
    // The distance to its zero line: |o| / |grad o|.
    expect(decide([-0.5], [3], [4]).distance).toBeCloseTo(0.1, 15);
  });

  it('the distance is the least over the other units of (o_c - o_j) / |grad (o_c - o_j)|; the margin the runner-up', () => {
    const d = decide([1, 3, 2], [0, 1, 0], [0, 0, 1]);
    expect(d.predicted).toBe(1);
    expect(d.distance).toBeCloseTo(Math.SQRT1_2, 15); // against unit 2: 1 / |(1, -1)|
    expect(d.margin).toBe(1);
    // Parallel maps never meet: no boundary.
    expect(decide([2, 1], [1, 1], [0, 0]).distance).toBe(Number.POSITIVE_INFINITY);
  });

  it('on a random affine classifier, the class changes exactly at that distance along the nearest line', () => {
    const rng = new Random(7);
    for (let trial = 0; trial < 200; trial++) {
      const m = 2 + (trial % 9);
      const maps = Array.from({ length: m }, () => [rng.normal(), rng.normal(), rng.normal()] as const);
      const at = (x: number, y: number) => {
        const o = maps.map(([a, b, c]) => a * x + b * y + c);
        return decide(
          o,
          maps.map(([a]) => a),
          maps.map(([, b]) => b),
        );
      };
      const [x, y] = [rng.normal(), rng.normal()];
      const here = at(x, y);
      // Every point of the disc of that radius has the class (sampled); just beyond, some direction leaves it.
      let leaves = false;
      for (let k = 0; k < 64; k++) {
        const t = (2 * Math.PI * k) / 64;
        const inside = at(x + 0.999 * here.distance * Math.cos(t), y + 0.999 * here.distance * Math.sin(t));
        expect(inside.predicted).toBe(here.predicted);
      }
      for (let k = 0; k < 4096 && !leaves; k++) {
        const t = (2 * Math.PI * k) / 4096;
        leaves =
          at(x + 1.001 * here.distance * Math.cos(t), y + 1.001 * here.distance * Math.sin(t)).predicted !==
          here.predicted;
      }
      expect(leaves).toBe(true);
    }
  });
});

describe('output units', () => {
  it('outputUnit(net, u) is row u of the output layer (clamped); outputCount its units', () => {
    const net = randomNet({ widths: [5, 4], sigmaB: 0.3, seed: 2, outputs: 3 });
    expect(outputCount(net)).toBe(3);
    const two = outputUnit(net, 2);
    expect(Array.from(two.weight)).toEqual(Array.from(net.output?.weight.subarray(8, 12) ?? []));
    expect(Array.from(two.bias)).toEqual([net.output?.bias[2]]);
    expect(Array.from(outputUnit(net, 7).bias)).toEqual([net.output?.bias[2]]);
    expect(outputCount({ ...net, output: null })).toBe(1);
  });

  it('random nets: one output is the net of before, more outputs leave the hidden layers as they were', () => {
    const spec = { widths: [6, 7], sigmaB: 0.4, seed: 9 };
    const plain = randomNet(spec);
    const one = randomNet({ ...spec, outputs: 1 });
    const ten = randomNet({ ...spec, outputs: 10 });
    expect(one).toEqual(plain);
    expect(ten.hidden).toEqual(plain.hidden);
    expect(ten.output?.outDim).toBe(10);
    expect(Array.from(ten.output?.weight.subarray(0, 7) ?? [])).toEqual(Array.from(plain.output?.weight ?? []));
  });

  it('the oracle: the output of the unit asked for, every unit, and their argmax', () => {
    const net = randomNet({ widths: [8, 8], sigmaB: 0.5, seed: 4, outputs: 5 });
    for (const [x, y] of [
      [0.3, -0.2],
      [-1, 0.7],
    ] as const) {
      const at = evaluatePoint(net, x, y, 2, 3);
      expect(at.outputs).toHaveLength(5);
      expect(at.output).toBe(at.outputs[3]);
      expect(evaluatePoint(net, x, y).output).toBe(at.outputs[0]);
      const top = Math.max(...at.outputs);
      expect(at.decision.predicted).toBe(at.outputs.indexOf(top));
    }
  });
});

describe('the unit setting', () => {
  it('is read from the URL and written back; default 0', () => {
    expect(kDefaultSettings.unit).toBe(0);
    const { settings, messages } = settingsFromHash('#unit=3&mode=decision');
    expect(messages).toEqual([]);
    expect(settings.unit).toBe(3);
    expect(settings.mode).toBe('decision');
    expect(settingsToHash(settings)).toMatch(/[#&]unit=3&/);
  });

  it('bad values are refused; the command line refuses what the URL clamps', () => {
    expect(settingsFromHash('#unit=1.5').messages[0]).toMatch(/unit="1.5" is not an integer/);
    const negative = settingsFromHash('#unit=-2');
    expect(negative.settings.unit).toBe(0);
    expect(negative.messages[0]).toMatch(/unit=-2 is outside .*; using 0/);
    expect(() =>
      settingsFromFlags(parseCommand(kShotCommand, ['--unit', '-1', '--out', 'a.png']), {
        ...kDefaultSettings,
        widths: [1],
        segment: [],
      }),
    ).toThrow(/--unit -1 is outside/);
    const flags = settingsFromFlags(parseCommand(kShotCommand, ['--unit', '2', '--mode', 'decision']), {
      ...kDefaultSettings,
      widths: [1],
      segment: [],
    });
    expect([flags.unit, flags.mode]).toEqual([2, 'decision']);
  });

  it("is clamped to the net's units with a message, as the layers are to its depth", () => {
    expect(clampUnit(2, 3)).toEqual({ value: 2, message: null });
    expect(clampUnit(5, 3)).toEqual({ value: 2, message: 'unit=5: the net has 3 output units; showing unit 2' });
    expect(clampUnit(1, 1)).toEqual({ value: 0, message: 'unit=1: the net has 1 output unit; showing unit 0' });
  });
});

describe('the legend of the decision mode', () => {
  it('names the classes by unit index, one unit as two classes; colours as the shader', () => {
    expect(decisionClasses(3).map((c) => c.label)).toEqual(['0', '1', '2']);
    expect(decisionClasses(1).map((c) => c.label)).toEqual(['0 (output ≤ 0)', '1 (output > 0)']);
    expect(decisionClasses(12)[11]?.colour).toEqual(classColour(11));
  });

  it('says why a picture is one flat colour: one class in view (not after a pan reuse, which counts only new pixels)', () => {
    const summary = { pixels: 100, evaluations: 9, reusedPixels: 0, theoremMax: null };
    const range = (low: number, high: number) => ({ ...summary, outputRange: [low, high] as const });
    expect(oneClassInView(range(1, 1), 1)).toBe(
      'one class in view: the output is positive everywhere here (no decision boundary)',
    );
    expect(oneClassInView(range(0, 0), 1)).toBe(
      'one class in view: the output is ≤ 0 everywhere here (no decision boundary)',
    );
    expect(oneClassInView(range(3, 3), 10)).toBe(
      'one class in view: unit 3 is the largest everywhere here (no decision boundary)',
    );
    expect(oneClassInView(range(0, 1), 1)).toBeNull();
    expect(oneClassInView({ ...range(1, 1), reusedPixels: 40 }, 1)).toBeNull();
    expect(oneClassInView({ ...summary, outputRange: null }, 1)).toBeNull();
    expect(oneClassInView(null, 1)).toBeNull();
  });

  it('ten clearly distinct colours, then neighbouring classes clearly apart and no two of the 64 alike', () => {
    const colours = Array.from({ length: 64 }, (_, k) => classColour(k));
    const apart = (a: number, b: number): number => {
      const [ca, cb] = [colours[a] ?? [0, 0, 0], colours[b] ?? [0, 0, 0]];
      return Math.hypot(ca[0] - cb[0], ca[1] - cb[1], ca[2] - cb[2]);
    };
    for (let a = 0; a < 64; a++) {
      for (let b = a + 1; b < 64; b++) {
        expect(apart(a, b), `classes ${a} and ${b}`).toBeGreaterThan(b < 10 ? 0.1 : 0.02);
      }
    }
    // Beyond the ten of Tableau 10, hues a golden angle apart: classes k and k + 1 are far apart.
    for (let k = 10; k < 63; k++) expect(apart(k, k + 1), `classes ${k} and ${k + 1}`).toBeGreaterThan(0.3);
  });
});

describe('the segment walk of an output unit', () => {
  it("gives the unit's outputs, the oracle's", async () => {
    const { walkSegment } = await import('../../src/analysis/segment.ts');
    const net = randomNet({ widths: [8, 8], sigmaB: 0.5, seed: 6, outputs: 4 });
    const walk = walkSegment(net, [-1, 0.2], [1, -0.3], 2, undefined, 2);
    expect(walk.outputs[0]).toBeCloseTo(evaluatePoint(net, -1, 0.2, 2, 2).output, 12);
    expect(walk.outputs.at(-1)).toBeCloseTo(evaluatePoint(net, 1, -0.3, 2, 2).output, 12);
    expect(walk.outputs[0]).not.toBeCloseTo(evaluatePoint(net, -1, 0.2).output, 6);
  });
});
