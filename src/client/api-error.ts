/** Errors the client raises: daemon error replies (carrying the HTTP status) and connection failures. */
import { EngineError, type ErrorKind } from '../lib/errdefs.ts';

function kindForStatus(status: number): ErrorKind {
  switch (status) {
    case 400: return 'invalid-argument';
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not-found';
    case 409: return 'conflict';
    case 501: return 'not-implemented';
    case 503: return 'unavailable';
    case 304: return 'not-modified';
    default: return 'internal';
  }
}

/** A non-2xx reply from the daemon; `message` is the body's `message` field. */
export class ApiError extends EngineError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(kindForStatus(status), message);
    this.name = 'ApiError';
    this.status = status;
  }
  /** As the docker CLI prints it. */
  override toString(): string {
    return `Error response from daemon: ${this.message}`;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

/** The daemon socket could not be reached. */
export class ConnectionError extends EngineError {
  readonly hostUrl: string;
  constructor(hostUrl: string, cause: unknown) {
    super('unavailable', `Cannot connect to the Docker daemon at ${hostUrl}. Is the docker daemon running?`, { cause });
    this.name = 'ConnectionError';
    this.hostUrl = hostUrl;
  }
}

/** An error reported inside a 200 JSON-message stream (`{"errorDetail":{"message"},"error"}`). */
export class StreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamError';
  }
}

/** Parses an error body: `{"message": "..."}` or plain text. */
export function errorMessageFromBody(body: string, status: number): string {
  const text = body.trim();
  if (!text) return `${status} ${statusText(status)}`;
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text;
}

function statusText(status: number): string {
  const texts: Record<number, string> = { 400: 'Bad Request', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' };
  return texts[status] ?? 'Error';
}
