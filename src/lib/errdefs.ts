/**
 * One error type for the whole engine, classified by kind (moby errdefs). Domain code never mentions HTTP;
 * api/errors.ts is the only place that maps a kind to a status code.
 */
export type ErrorKind =
  | 'not-found' | 'invalid-argument' | 'conflict' | 'unauthorized' | 'forbidden'
  | 'unavailable' | 'not-implemented' | 'not-modified' | 'canceled' | 'internal';

const BRAND = Symbol.for('berth.EngineError');

export class EngineError extends Error {
  readonly kind: ErrorKind;
  readonly [BRAND] = true;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'EngineError';
  }
}

export function isEngineError(err: unknown): err is EngineError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** The kind of the first EngineError on the cause chain, or 'internal'. */
export function errorKind(err: unknown): ErrorKind {
  for (let e: unknown = err, depth = 0; e && depth < 16; e = (e as { cause?: unknown }).cause, depth++) {
    if (isEngineError(e)) return e.kind;
    if ((e as { name?: string }).name === 'AbortError') return 'canceled';
  }
  return 'internal';
}

type Opts = { cause?: unknown };
const factory = (kind: ErrorKind) => (message: string, o?: Opts) => new EngineError(kind, message, o);
export const notFound = factory('not-found');
export const invalidArgument = factory('invalid-argument');
export const conflict = factory('conflict');
export const unauthorized = factory('unauthorized');
export const forbidden = factory('forbidden');
export const unavailable = factory('unavailable');
export const notImplemented = factory('not-implemented');
export const notModified = factory('not-modified');
export const canceled = factory('canceled');
export const internal = factory('internal');

const test = (kind: ErrorKind) => (err: unknown) => errorKind(err) === kind;
export const isNotFound = test('not-found');
export const isInvalidArgument = test('invalid-argument');
export const isConflict = test('conflict');
export const isNotModified = test('not-modified');
export const isCanceled = test('canceled');

/** Node's fs error code (ENOENT, EEXIST...) if any. */
export function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}
