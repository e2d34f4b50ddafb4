/**
 * The registry error codes, declared once (distribution registry/api/errcode + the OCI distribution spec's code
 * table): each code's stable name, default message and HTTP status. Server and client both use this table; the
 * wire body is `{"errors":[{"code","message","detail"}]}`.
 */
export const ERROR_CODES = {
  BLOB_UNKNOWN: { status: 404, message: 'blob unknown to registry' },
  BLOB_UPLOAD_INVALID: { status: 404, message: 'blob upload invalid' },
  BLOB_UPLOAD_UNKNOWN: { status: 404, message: 'blob upload unknown to registry' },
  DIGEST_INVALID: { status: 400, message: 'provided digest did not match uploaded content' },
  MANIFEST_BLOB_UNKNOWN: { status: 400, message: 'blob unknown to registry' },
  MANIFEST_INVALID: { status: 400, message: 'manifest invalid' },
  MANIFEST_UNKNOWN: { status: 404, message: 'manifest unknown' },
  MANIFEST_UNVERIFIED: { status: 400, message: 'manifest failed signature verification' },
  NAME_INVALID: { status: 400, message: 'invalid repository name' },
  NAME_UNKNOWN: { status: 404, message: 'repository name not known to registry' },
  PAGINATION_NUMBER_INVALID: { status: 400, message: 'invalid number of results requested' },
  RANGE_INVALID: { status: 416, message: 'invalid content range' },
  SIZE_INVALID: { status: 400, message: 'provided length did not match content length' },
  TAG_INVALID: { status: 400, message: 'manifest tag did not match URI' },
  UNAUTHORIZED: { status: 401, message: 'authentication required' },
  DENIED: { status: 403, message: 'requested access to the resource is denied' },
  UNSUPPORTED: { status: 405, message: 'The operation is unsupported.' },
  TOOMANYREQUESTS: { status: 429, message: 'too many requests' },
  UNAVAILABLE: { status: 503, message: 'service unavailable' },
  UNKNOWN: { status: 500, message: 'unknown error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type RegistryErrorCode = keyof typeof ERROR_CODES;

/** One entry of the wire error body. */
export interface RegistryErrorEntry {
  code: string;
  message: string;
  detail?: unknown;
}

export interface RegistryErrorBody {
  errors: RegistryErrorEntry[];
}

const BRAND = Symbol.for('berth.RegistryError');

/** An error in registry protocol terms: one or more codes, all sharing the first code's HTTP status. */
export class RegistryError extends Error {
  readonly code: RegistryErrorCode;
  readonly detail: unknown;
  /** Further errors reported in the same response (e.g. every missing blob of a manifest). */
  readonly more: { code: RegistryErrorCode; message?: string; detail?: unknown }[];
  readonly [BRAND] = true;
  constructor(code: RegistryErrorCode, o: { message?: string; detail?: unknown; cause?: unknown; more?: RegistryError['more'] } = {}) {
    super(o.message ?? ERROR_CODES[code].message, { cause: o.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.detail = o.detail;
    this.more = o.more ?? [];
  }
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
  toBody(): RegistryErrorBody {
    const entry = (code: RegistryErrorCode, message: string | undefined, detail: unknown): RegistryErrorEntry =>
      detail === undefined ? { code, message: message ?? ERROR_CODES[code].message } : { code, message: message ?? ERROR_CODES[code].message, detail };
    return { errors: [entry(this.code, this.message, this.detail), ...this.more.map((m) => entry(m.code, m.message, m.detail))] };
  }
}

export function isRegistryError(err: unknown): err is RegistryError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

export function isRegistryErrorCode(s: string): s is RegistryErrorCode {
  return Object.hasOwn(ERROR_CODES, s);
}

/** Parses a registry error body (as a client receives it); undefined when it is not one. */
export function parseErrorBody(text: string): RegistryErrorEntry[] | undefined {
  try {
    const v = JSON.parse(text) as { errors?: unknown };
    if (!Array.isArray(v?.errors)) return undefined;
    return v.errors.filter((e): e is RegistryErrorEntry => typeof e === 'object' && e !== null && typeof (e as RegistryErrorEntry).code === 'string')
      .map((e) => ({ code: e.code, message: typeof e.message === 'string' ? e.message : '', ...(e.detail !== undefined ? { detail: e.detail } : {}) }));
  } catch {
    return undefined;
  }
}
