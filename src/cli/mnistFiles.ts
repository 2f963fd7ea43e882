/** The MNIST digits in Node: the `mnist` package's files, read when first asked for (about 2 MB of JSON a digit). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DigitData } from '../model/mnist.ts';

const require = createRequire(import.meta.url);
const cache = new Map<number, Float64Array>();

export const nodeDigits: DigitData = (digit) => {
  let data = cache.get(digit);
  if (!data) {
    const path = require.resolve(`mnist/src/digits/${digit}.json`);
    data = Float64Array.from((JSON.parse(readFileSync(path, 'utf8')) as { data: number[] }).data);
    cache.set(digit, data);
  }
  return data;
};
