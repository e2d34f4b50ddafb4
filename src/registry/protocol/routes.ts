/**
 * The distribution API's URL space: name/tag/digest grammar (OCI distribution-spec), a parser from a request
 * path to a route, and builders for every path, so server and client spell them once.
 */

/** Repository name: path components of `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*` joined by `/`. */
const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG_RE = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const DIGEST_RE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
/** distribution's limit on a repository name. */
export const MAX_NAME_LENGTH = 255;

export function isValidRepositoryName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME_RE.test(name);
}
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}
/** Any well-formed digest (`algorithm:encoded`); whether the algorithm is supported is a separate question. */
export function isDigestReference(ref: string): boolean {
  return DIGEST_RE.test(ref);
}

export type Route =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'referrers'; name: string; digest: string };

const PATTERNS: [RegExp, (m: RegExpMatchArray) => Route][] = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog\/?$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list\/?$/, (m) => ({ kind: 'tags', name: m[1] })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1], reference: m[2] })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1] })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1], id: m[2] })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1], digest: m[2] })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1], digest: m[2] })],
];

/** The route a (decoded) request path names, or undefined. The name is not validated here. */
export function parseRoute(pathname: string): Route | undefined {
  for (const [re, make] of PATTERNS) {
    const m = pathname.match(re);
    if (m) return make(m);
  }
  return undefined;
}

export const paths = {
  base: (): string => '/v2/',
  catalog: (): string => '/v2/_catalog',
  tags: (name: string): string => `/v2/${name}/tags/list`,
  manifest: (name: string, reference: string): string => `/v2/${name}/manifests/${reference}`,
  blob: (name: string, digest: string): string => `/v2/${name}/blobs/${digest}`,
  uploads: (name: string): string => `/v2/${name}/blobs/uploads/`,
  upload: (name: string, id: string): string => `/v2/${name}/blobs/uploads/${id}`,
  referrers: (name: string, digest: string): string => `/v2/${name}/referrers/${digest}`,
};

/** The `rel="next"` target of a Link header (`<url>; rel="next"`), or undefined. */
export function parseNextLink(link: string | null | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = part.match(/<([^>]*)>\s*;\s*rel="?next"?/);
    if (m) return m[1];
  }
  return undefined;
}
