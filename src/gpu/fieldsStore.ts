/**
 * What a set of fields holds, and whether it serves a request: the keys that identify fields (equal keys, equal
 * fields), the weaker key under which fields with the output or the theorem's integrand besides serve a request
 * without them, and the key under which a pan may move them instead of computing them again.
 */
import type { ImageSize, View } from '../model/view.ts';
import type { FieldsRequest } from './fieldsRequest.ts';
import type { Algorithm } from './layout.ts';

/** What the fields of a computation hold (the front fields' when it completed). */
export interface Stored {
  readonly key: string;
  /** The same without the output and the theorem's integrand: fields that have them serve requests without them. */
  readonly coreKey: string;
  /** What the records' output holds: null (nothing), `unit K`, or `decision` (the class). */
  readonly output: string | null;
  readonly theoremSigmaB: number | undefined;
  /** The same but for the view: pan reuse needs it equal. */
  readonly reuseKey: string;
  readonly size: ImageSize;
  readonly imageSize: ImageSize;
  readonly view: View;
  readonly theorem: boolean;
  readonly reusedPixels: number;
}

export interface FieldsKeys {
  readonly key: string;
  readonly coreKey: string;
  readonly reuseKey: string;
}

/** The keys of `request` computed by `algorithm` for the net of version `netVersion`. */
export function fieldsKeys(request: FieldsRequest, algorithm: Algorithm, netVersion: number): FieldsKeys {
  const reuseKey = JSON.stringify([{ ...request, view: null, neuronExponents: null }, algorithm, netVersion]);
  const { view, size, layersShown, origin, fullSize } = request;
  const core = { view, size, layersShown, origin, fullSize };
  return {
    reuseKey,
    key: JSON.stringify([reuseKey, request.view]),
    coreKey: JSON.stringify([core, algorithm, netVersion]),
  };
}

/** What the records' output holds for `request` (Stored.output). */
export function outputKind(request: FieldsRequest): string | null {
  if (!request.computeOutput) return null;
  return request.decision ? 'decision' : `unit ${request.outputUnit ?? 0}`;
}

/** Whether fields that hold `stored` serve `request`: the same, or the same with the output or the integrand besides. */
export function serves(stored: Stored | null, request: FieldsRequest, keys: FieldsKeys): boolean {
  if (!stored) return false;
  if (stored.key === keys.key) return true;
  const theorem = request.theoremSigmaB === undefined || request.theoremSigmaB === stored.theoremSigmaB;
  return (
    stored.coreKey === keys.coreKey && (!request.computeOutput || stored.output === outputKind(request)) && theorem
  );
}

/** What a computation of `request` will hold (reusedPixels: the pixels a pan moved instead of computing). */
export function storedOf(request: FieldsRequest, keys: FieldsKeys, reusedPixels: number): Stored {
  return {
    key: keys.key,
    coreKey: keys.coreKey,
    output: outputKind(request),
    theoremSigmaB: request.theoremSigmaB,
    reuseKey: keys.reuseKey,
    size: request.size,
    imageSize: request.fullSize ?? request.size,
    view: request.view,
    theorem: request.theoremSigmaB !== undefined,
    reusedPixels,
  };
}
