/**
 * Image references normalised as Docker's distribution/reference package does:
 * `busybox` → docker.io/library/busybox:latest, `host:5000/a/b:tag`, `name@sha256:…`.
 * Error texts match Docker's, since clients show them verbatim.
 */
import { invalidArgument } from '../lib/errdefs.ts';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
const NAME_TOTAL_LENGTH_MAX = 255;

// The grammar of distribution/reference regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const ANCHORED_NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const TAG_RE = new RegExp(`^${tagPat}$`);

export interface Reference {
  /** Registry host, e.g. docker.io or 127.0.0.1:5000. */
  domain: string;
  /** Repository path, e.g. library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
}


function fail(msg: string): never {
  throw invalidArgument(msg);
}

/** The full repository name: `docker.io/library/busybox`. */
export function repoName(r: Reference): string {
  return `${r.domain}/${r.path}`;
}

/** The full reference string: `docker.io/library/busybox:latest`. */
export function referenceString(r: Reference): string {
  return repoName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** Docker's familiar (short) repository name: `busybox`, `user/app`, `host:5000/app`. */
export function familiarName(r: Reference): string {
  if (r.domain !== DEFAULT_DOMAIN) return repoName(r);
  const p = r.path;
  if (p.startsWith(OFFICIAL_REPO_PREFIX) && !p.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
    return p.slice(OFFICIAL_REPO_PREFIX.length);
  }
  return p;
}

/** `busybox:latest`, `host:5000/app@sha256:…`. */
export function familiarString(r: Reference): string {
  return familiarName(r) + (r.tag ? `:${r.tag}` : '') + (r.digest ? `@${r.digest}` : '');
}

/** Adds the `latest` tag when the reference has neither tag nor digest (reference.TagNameOnly). */
export function withDefaultTag(r: Reference): Reference {
  return r.tag || r.digest ? r : { ...r, tag: 'latest' };
}

/** Parses a fully qualified reference (reference.Parse): no docker.io defaulting. */
export function parseStrict(s: string): Reference {
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    if (s === '') fail('repository name must have at least one component');
    if (REFERENCE_RE.test(s.toLowerCase())) fail('repository name must be lowercase');
    fail('invalid reference format');
  }
  const [, name, tag, digest] = m;
  if (name.length > NAME_TOTAL_LENGTH_MAX) fail(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  const nm = ANCHORED_NAME_RE.exec(name)!;
  if (digest !== undefined) validateDigest(digest);
  const ref: Reference = { domain: nm[1] ?? '', path: nm[2] };
  if (tag !== undefined) ref.tag = tag;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

function validateDigest(d: string): void {
  const i = d.indexOf(':');
  const alg = d.slice(0, i);
  const hex = d.slice(i + 1);
  const lengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
  if (!(alg in lengths)) fail('unsupported digest algorithm');
  if (!/^[a-f0-9]+$/.test(hex)) fail('invalid checksum digest format');
  if (hex.length !== lengths[alg]) fail('invalid checksum digest length');
}

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = i < 0 ? '' : name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

/**
 * Parses a user-supplied reference and normalises it (reference.ParseNormalizedNamed). Does not add a
 * default tag; use withDefaultTag for that. Throws invalid-argument EngineErrors with Docker's texts.
 */
export function parseReference(s: string): Reference {
  if (ANCHORED_IDENTIFIER_RE.test(s)) fail(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const { domain, remainder } = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) fail(`invalid reference format: repository name (${remote}) must be lowercase`);
  return parseStrict(`${domain}/${remainder}`);
}

/** True for a valid tag (`[\w][\w.-]{0,127}`). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** True for a full 64-hex image ID without algorithm. */
export function isFullHexId(s: string): boolean {
  return ANCHORED_IDENTIFIER_RE.test(s);
}

/**
 * The registry host of a server address as the docker CLI writes them in logins and X-Registry-Config keys
 * (`https://index.docker.io/v1/` and empty mean docker.io; `https://host:port` means `host:port`).
 */
export function registryHostOf(address?: string): string {
  const a = (address ?? '').trim();
  if (!a || /^(https?:\/\/)?(index\.)?docker\.io(\/v1\/?)?$/.test(a) || a === 'https://index.docker.io/v1/') return 'docker.io';
  const host = a.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!host) throw invalidArgument(`invalid registry address ${a}`);
  return host;
}
