/** The single place where an error's kind becomes an HTTP status (moby httpstatus.FromError). */
import { errorKind, type ErrorKind } from '../lib/index.ts';

const STATUS: Record<ErrorKind, number> = {
  'not-found': 404,
  'invalid-argument': 400,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  unavailable: 503,
  'not-implemented': 501,
  'not-modified': 304,
  canceled: 499,
  internal: 500,
};

export function httpStatus(err: unknown): number {
  return STATUS[errorKind(err)];
}
