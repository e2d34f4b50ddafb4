/**
 * The evaluator the planner drives while it walks a stage: it keeps the stage's ENV and ARG state and expands
 * each instruction's words the way the classic builder does (moby builder/dockerfile/evaluator.go dispatch):
 * ENV, LABEL, ADD, COPY (paths, --chown, --chmod, ADD --checksum), WORKDIR, USER, VOLUME, STOPSIGNAL, ARG,
 * EXPOSE (split into words) and RUN --mount values are expanded with the stage's ENV plus its declared ARGs;
 * FROM and its --platform with the global (pre-FROM) ARGs only. RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK text,
 * MAINTAINER and ONBUILD are never expanded: the shell (or the child build) does that. COPY/ADD heredoc bodies
 * are expanded unless their delimiter was quoted, without quote processing (BuildKit's ExpandRaw).
 */
import { BuildArgs, type BuildArgValues } from './build-args.ts';
import { DockerfileError } from './errors.ts';
import type { ArgInstruction, Command, FromInstruction, KeyValue } from './instructions.ts';
import { parseMount } from './run-mount.ts';
import { ShellLex, type EnvLookup } from './shell-lex.ts';
import type { Dockerfile, Stage } from './stages.ts';

export function envFromList(list: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of list) {
    const i = kv.indexOf('=');
    m.set(i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1));
  }
  return m;
}

function wrap(err: unknown, cmd: { location: { start: number; end: number } }): never {
  if (err instanceof DockerfileError) throw err;
  const msg = err instanceof Error ? err.message : String(err);
  throw new DockerfileError(msg, { location: cmd.location, cause: err });
}

export interface GlobalScopeOptions {
  escapeToken?: string;
  /** The API's `buildargs`. */
  buildArgs?: BuildArgValues;
  /** TARGETPLATFORM, TARGETOS, TARGETARCH, TARGETVARIANT, BUILDPLATFORM, BUILDOS, BUILDARCH, BUILDVARIANT... */
  platformArgs?: Readonly<Record<string, string>>;
}

/** The global scope: the ARGs before the first FROM, evaluated once per build. */
export class GlobalScope {
  readonly escapeToken: string;
  readonly args: BuildArgs;
  private readonly lex: ShellLex;

  constructor(metaArgs: readonly ArgInstruction[], o: GlobalScopeOptions = {}) {
    this.escapeToken = o.escapeToken ?? '\\';
    this.lex = new ShellLex(this.escapeToken);
    this.args = new BuildArgs(o.buildArgs ?? {});
    for (const [k, v] of Object.entries(o.platformArgs ?? {})) this.args.addMetaArg(k, v);
    for (const meta of metaArgs) {
      try {
        for (const a of meta.args) {
          const env = this.args.allAllowed();
          // Each ARG sees the ones before it (and the platform args) while being expanded.
          for (const [k, v] of this.args.allMeta()) if (!env.has(k)) env.set(k, v);
          const key = this.lex.processWord(a.key, env);
          const value = a.value === undefined ? undefined : this.lex.processWord(a.value, env);
          this.args.addArg(key, value);
          this.args.addMetaArg(key, value);
        }
      } catch (err) {
        wrap(err, meta);
      }
    }
  }

  /** Variables a FROM line may use. */
  metaEnv(): Map<string, string> {
    return this.args.allMeta();
  }

  /** FROM with its image name and --platform expanded. Throws Docker's "base name (x) should not be blank". */
  expandFrom(from: FromInstruction): FromInstruction {
    const env = this.metaEnv();
    try {
      const baseName = this.lex.processWord(from.baseName, env);
      if (baseName === '') throw new Error(`base name (${from.baseName}) should not be blank`);
      let platform = from.platform;
      if (platform !== '') {
        try {
          platform = this.lex.processWord(platform, env);
        } catch (err) {
          throw new Error(`failed to process arguments for platform ${platform}: ${(err as Error).message}`);
        }
      }
      return { ...from, baseName, platform };
    } catch (err) {
      wrap(err, from);
    }
  }

  /** A fresh evaluator for one stage, starting from the base image's environment (`K=V` list). */
  stage(baseEnv: readonly string[] = []): StageScope {
    return new StageScope(this.escapeToken, this.args.forStage(), baseEnv);
  }

  /** Docker's warning for --build-arg values no ARG declared (call after all stages were evaluated). */
  unusedBuildArgsWarning(): string | undefined {
    return this.args.unusedWarning();
  }
}

/** ENV/ARG state of one stage while it is walked. */
export class StageScope {
  private readonly lex: ShellLex;
  private readonly rawLex: ShellLex;
  readonly args: BuildArgs;
  /** The image config's Env so far (`K=V`, in order). */
  env: string[];

  constructor(escapeToken: string, args: BuildArgs, baseEnv: readonly string[]) {
    this.lex = new ShellLex(escapeToken);
    this.rawLex = new ShellLex('\\', { skipProcessQuotes: true });
    this.args = args;
    this.env = [...baseEnv];
  }

  /** What `$VAR` sees now: ENV first, then declared ARGs not shadowed by ENV. */
  lookup(): EnvLookup {
    return envFromList([...this.env, ...this.args.filterAllowed(this.env)]);
  }

  /** Build args RUN gets in its environment (declared, not shadowed by ENV), sorted `K=V`. */
  runBuildArgs(): string[] {
    return this.args.filterAllowed(this.env);
  }

  /**
   * The build args that go into RUN's cache key, as Docker's `|N K=V...` prefix: proxy args no ARG declared are
   * left out so a changed proxy does not bust the cache.
   */
  runCacheArgs(): string[] {
    return this.runBuildArgs().filter((kv) => this.args.isReferencedOrNotBuiltin(kv.slice(0, kv.indexOf('='))));
  }

  /** Expands one word with the current state (for callers with their own words, e.g. ONBUILD triggers). */
  expandWord(word: string): string {
    return this.lex.processWord(word, this.lookup());
  }

  /**
   * Expands `cmd` and applies its effect on the scope (ENV sets variables, ARG declares). Returns a new
   * instruction; the input is not modified.
   */
  apply<C extends Command>(cmd: C): C {
    const env = this.lookup();
    const w = (s: string) => this.lex.processWord(s, env);
    const kv = (p: KeyValue): KeyValue => ({ key: w(p.key), value: w(p.value), noDelim: p.noDelim });
    try {
      switch (cmd.kind) {
        case 'env': {
          const out = { ...cmd, env: cmd.env.map(kv) };
          for (const e of out.env) this.setEnv(e.key, e.value);
          return out;
        }
        case 'label':
          return cmd.noExpand ? cmd : { ...cmd, labels: cmd.labels.map(kv) };
        case 'copy':
        case 'add': {
          const base = {
            ...cmd,
            sourcePaths: cmd.sourcePaths.map(w),
            dest: w(cmd.dest),
            chown: w(cmd.chown),
            chmod: w(cmd.chmod),
            sourceContents: cmd.sourceContents.map((c) => (c.expand ? { ...c, data: this.rawLex.processWord(c.data, env) } : c)),
          };
          if (cmd.kind === 'add') return { ...base, checksum: w(cmd.checksum) } as C;
          return base as C;
        }
        case 'workdir':
          return { ...cmd, path: w(cmd.path) };
        case 'user':
          return { ...cmd, user: w(cmd.user) };
        case 'volume':
          return { ...cmd, volumes: cmd.volumes.map(w) };
        case 'stopsignal':
          return { ...cmd, signal: w(cmd.signal) };
        case 'expose':
          return { ...cmd, ports: cmd.ports.flatMap((p) => this.lex.processWords(p, env)) };
        case 'run':
          return { ...cmd, mounts: cmd.mountSpecs.map((s) => parseMount(s, w)) };
        case 'arg': {
          const args = cmd.args.map((a) => ({ key: w(a.key), value: a.value === undefined ? undefined : w(a.value) }));
          for (const a of args) this.args.addArg(a.key, a.value);
          return { ...cmd, args };
        }
        default:
          return cmd;
      }
    } catch (err) {
      wrap(err, cmd);
    }
  }

  private setEnv(key: string, value: string): void {
    const entry = `${key}=${value}`;
    const i = this.env.findIndex((e) => (e.indexOf('=') < 0 ? e : e.slice(0, e.indexOf('='))) === key);
    if (i >= 0) this.env[i] = entry;
    else this.env.push(entry);
  }
}

export interface ExpandStageOptions extends GlobalScopeOptions {
  /** The base image's Env (`K=V`). */
  env?: readonly string[];
  /** Reuse an evaluated global scope (else built from the Dockerfile's meta ARGs). */
  global?: GlobalScope;
}

export interface ExpandedStage {
  from: FromInstruction;
  commands: Command[];
  /** Env at the end of the stage. */
  env: string[];
  scope: StageScope;
}

/**
 * Convenience for callers that do not interleave: expands a whole stage statically. (A planner that must see
 * ONBUILD triggers of the base image first should use GlobalScope.stage() and apply() itself.)
 */
export function expandStage(df: Dockerfile, stage: Stage, o: ExpandStageOptions = {}): ExpandedStage {
  const global = o.global ?? new GlobalScope(df.metaArgs, { escapeToken: df.escapeToken, ...o });
  const from = global.expandFrom(stage.from);
  const scope = global.stage(o.env ?? []);
  const commands = stage.commands.map((c) => scope.apply(c));
  return { from, commands, env: scope.env, scope };
}
