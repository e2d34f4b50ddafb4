/**
 * Build-argument scoping, as the classic builder does it (moby builder/dockerfile/buildargs.go):
 * - `--build-arg` values (the API's `buildargs`) override ARG defaults, but only ARGs declared in scope are seen;
 * - ARGs before the first FROM are "meta" args: usable in FROM lines, and inside a stage only once re-declared
 *   (`ARG NAME` without a default then takes the global value);
 * - the proxy variables (HTTP_PROXY...) are always allowed and never reported as unused;
 * - BuildKit's platform args (TARGETPLATFORM, BUILDARCH...) are given by the caller and behave like meta args
 *   with defaults, so FROM can use them and a stage gets them with `ARG TARGETARCH`.
 */

export const BUILTIN_ALLOWED_BUILD_ARGS: ReadonlySet<string> = new Set([
  'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy',
  'ALL_PROXY', 'all_proxy',
]);

/** `buildargs` as the API sends them: a null value means "take it from the client's environment" (unset here). */
export type BuildArgValues = Readonly<Record<string, string | null | undefined>>;

export class BuildArgs {
  private readonly options: BuildArgValues;
  private allowed = new Map<string, string | undefined>();
  private readonly meta: Map<string, string | undefined>;
  /** Shared across clones: which options some ARG declared (for the "not consumed" warning). */
  private readonly referenced: Set<string>;

  constructor(options: BuildArgValues = {}, shared?: { meta: Map<string, string | undefined>; referenced: Set<string> }) {
    this.options = options;
    this.meta = shared?.meta ?? new Map();
    this.referenced = shared?.referenced ?? new Set();
  }

  /** A copy for a new stage: same options and meta args, no stage ARGs declared yet. */
  forStage(): BuildArgs {
    return new BuildArgs(this.options, { meta: new Map(this.meta), referenced: this.referenced });
  }

  addArg(key: string, value: string | undefined): void {
    this.allowed.set(key, value);
    this.referenced.add(key);
  }

  addMetaArg(key: string, value: string | undefined): void {
    this.meta.set(key, value);
  }

  /** Values of the ARGs declared in this scope (plus set proxy args). */
  allAllowed(): Map<string, string> {
    return this.fromMapping(this.allowed);
  }

  /** Values visible to FROM lines. */
  allMeta(): Map<string, string> {
    return this.fromMapping(this.meta);
  }

  /** Allowed args not shadowed by an ENV of the same name, as `K=V` (what RUN sees in its environment). */
  filterAllowed(env: readonly string[]): string[] {
    const keys = new Set(env.map((e) => cutKey(e)));
    const out: string[] = [];
    for (const [k, v] of this.allAllowed()) if (!keys.has(k)) out.push(`${k}=${v}`);
    return out.sort();
  }

  /** False for proxy args that no ARG declared: they are kept out of RUN's cache key, as Docker does. */
  isReferencedOrNotBuiltin(key: string): boolean {
    return this.allowed.has(key) || !BUILTIN_ALLOWED_BUILD_ARGS.has(key);
  }

  /** Docker's `[Warning] One or more build-args [a b] were not consumed`, or undefined. */
  unusedWarning(): string | undefined {
    const left = Object.keys(this.options)
      .filter((k) => !this.referenced.has(k) && !BUILTIN_ALLOWED_BUILD_ARGS.has(k))
      .sort();
    return left.length > 0 ? `[Warning] One or more build-args [${left.join(' ')}] were not consumed` : undefined;
  }

  private fromMapping(source: Map<string, string | undefined>): Map<string, string> {
    const m = new Map<string, string>();
    for (const key of new Set([...source.keys(), ...BUILTIN_ALLOWED_BUILD_ARGS])) {
      const v = this.get(key, source);
      if (v !== undefined) m.set(key, v);
    }
    return m;
  }

  private get(key: string, source: Map<string, string | undefined>): string | undefined {
    const opt = this.options[key];
    if (opt !== undefined && opt !== null && Object.hasOwn(this.options, key)) return opt;
    const def = source.get(key);
    if (def === undefined) {
      const m = this.meta.get(key);
      return m;
    }
    return def;
  }
}

function cutKey(kv: string): string {
  const i = kv.indexOf('=');
  return i < 0 ? kv : kv.slice(0, i);
}
