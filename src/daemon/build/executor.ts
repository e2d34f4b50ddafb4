/**
 * The classic builder (moby builder/dockerfile): walks the stages the target needs, one instruction at a time.
 * Every step yields an image: metadata steps (ENV, LABEL, CMD...) only change the config and add an
 * `empty_layer` history entry; RUN runs in a temporary container that is committed and removed; COPY, ADD and
 * WORKDIR write into a build layer (no container) that is committed. Before doing the work, each step looks for
 * a cached child of the current image made by the same step (findCacheChild with a key over the step's text,
 * the resulting config and, for COPY/ADD, the sources' content checksum).
 *
 * Output is the classic JSON stream: `Step N/M : ...`, ` ---> Running in <id>`, the command's output,
 * `Removing intermediate container <id>`, ` ---> <image>`, ` ---> Using cache`, `aux.ID` per finished stage,
 * `Successfully built` / `Successfully tagged`. On failure temporary containers and build layers are removed;
 * images of the steps that succeeded stay as dangling cache, as with Docker.
 */
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import {
  DockerfileError, GlobalScope, checksumSources, openBuildContext, parseDockerfile, runProcess, stageGraph,
  type BuildArgValues, type BuildContext, type Command, type Dockerfile, type LabelInstruction, type StageGraph,
  type StageScope,
} from '../../build/index.ts';
import { familiarString, parseReference, withDefaultTag, type ContainerConfigPart, type ImageConfig } from '../../oci/index.ts';
import { EngineError, invalidArgument, isNotFound, type Logger } from '../../lib/index.ts';
import { readLogs } from '../../runtime/index.ts';
import { performCopy, parseChmod, resolveChown, type CopySource } from './copy.ts';
import { squashImage } from './squash.ts';
import { setDefaultPath } from './default-path.ts';
import { resolveBaseImage, type BuildPull } from './base-image.ts';
import { openRemoteSources, type SplitSources } from './remote-sources.ts';
import { matchCacheSource, type CacheSource } from './cache-from.ts';
import { OrderedOutput, type BuildOutput } from './ordered-output.ts';
export type { BuildOutput } from './ordered-output.ts';
import type { CacheMountStore } from './cache-mounts.ts';
import { RunMountError, removeMountStubs, runMountsCacheKey, withRunMounts, type MountedSource, type RunMountEnv } from './run-mounts.ts';
import type { MountSpec } from '../../api/types/index.ts';
import { DEFAULT_SHELL, goQuoteList, healthcheckComment, nopComment, nopCommentString } from './history.ts';
import type { BuildContainers, BuildImages } from './ports.ts';

export interface BuildOptions {
  tags: string[];
  dockerfile: string;
  buildArgs: BuildArgValues;
  labels: Record<string, string>;
  target: string;
  noCache: boolean;
  quiet: boolean;
  remove: boolean;
  forceRemove: boolean;
  networkMode: string;
  platform: string;
  pull?: boolean;
  squash?: boolean;
  cacheFrom?: string[];
  extraHosts?: string[];
  shmSize?: number;
  /** X-Registry-Config: credentials by registry for the images FROM pulls. */
  registryAuth?: Record<string, object>;
  signal?: AbortSignal;
}


/** A step failed: the message goes into the stream as errorDetail (with the exit code for RUN). */
export class BuildStepError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.code = code;
  }
}

interface StageResult {
  imageId: string | undefined;
  config: ContainerConfigPart;
  author?: string;
  /** The image the stage started from (undefined: scratch); --squash merges down to it. */
  baseImageId?: string;
}

interface State {
  imageId: string | undefined;
  config: ContainerConfigPart;
  author?: string;
  scope: StageScope;
  /** CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  /** Where this stage's messages go. */
  out: BuildOutput;
}

const sha = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

export interface BuilderDeps {
  images: BuildImages;
  containers: BuildContainers;
  /** Temp space for contexts and mount points. */
  tmpRoot: string;
  /** RUN --mount=type=cache directories. */
  cacheMounts: CacheMountStore;
  log: Logger;
  /** Pulls FROM images that are not local (and all of them with --pull); absent: never pull. */
  pull?: BuildPull;
}

/** A prepared build: the context is extracted and the Dockerfile parsed; run() streams the build. */
export interface PreparedBuild {
  run(out: BuildOutput): Promise<void>;
  dispose(): Promise<void>;
}

export class Builder {
  private readonly d: BuilderDeps;

  constructor(d: BuilderDeps) {
    this.d = d;
  }

  /** Everything that can fail before the stream opens (Docker answers these with an HTTP error). */
  async prepare(body: Readable, o: BuildOptions): Promise<PreparedBuild> {
    if (o.platform && !/^linux(\/amd64)?$/.test(o.platform.toLowerCase())) {
      throw invalidArgument(`"${o.platform}": only linux/amd64 images can be built here`);
    }
    for (const t of o.tags) parseReference(t);
    await mkdir(this.d.tmpRoot, { recursive: true, mode: 0o700 });
    const ctx = await openBuildContext(body, { dockerfile: o.dockerfile, tmpRoot: this.d.tmpRoot, signal: o.signal });
    try {
      const df = parseDockerfile(ctx.dockerfileText);
      const global = new GlobalScope(df.metaArgs, {
        escapeToken: df.escapeToken, buildArgs: o.buildArgs,
        platformArgs: { TARGETPLATFORM: 'linux/amd64', TARGETOS: 'linux', TARGETARCH: 'amd64', TARGETVARIANT: '', BUILDPLATFORM: 'linux/amd64', BUILDOS: 'linux', BUILDARCH: 'amd64', BUILDVARIANT: '' },
      });
      const graph = stageGraph(df, global, { target: o.target || undefined });
      const labelKeys = Object.keys(o.labels).sort();
      if (labelKeys.length > 0) {
        const target = df.stages[graph.target]!;
        // dockerd shows the step as `LABEL k=v ...` (sorted keys).
        const original = 'LABEL ' + labelKeys.map((k) => `${k}=${o.labels[k]}`).join(' ');
        const label: LabelInstruction = {
          kind: 'label', name: 'LABEL', original, location: { start: 0, end: 0 }, comments: [], noExpand: true,
          labels: labelKeys.map((k) => ({ key: k, value: o.labels[k]!, noDelim: false })),
        };
        target.commands.push(label);
      }
      const run = new BuildRun(this.d, o, ctx, df, global, graph);
      return { run: (out) => run.run(out), dispose: async () => { await ctx[Symbol.asyncDispose](); } };
    } catch (err) {
      await ctx[Symbol.asyncDispose]();
      throw err;
    }
  }
}

class BuildRun {
  private readonly d: BuilderDeps;
  private readonly o: BuildOptions;
  private readonly ctx: BuildContext;
  private readonly df: Dockerfile;
  private readonly global: GlobalScope;
  private readonly graph: StageGraph;
  private out!: BuildOutput;
  private total = 0;
  private readonly results = new Map<number, StageResult>();
  /** `--cache-from` images found here (after the first match, only that one). */
  private cacheSources: CacheSource[] = [];
  /** Stops the other stages when one fails. */
  private readonly abort = new AbortController();
  /** The client's signal and `abort`: every step's work listens to it. */
  private readonly signal: AbortSignal;

  constructor(d: BuilderDeps, o: BuildOptions, ctx: BuildContext, df: Dockerfile, global: GlobalScope, graph: StageGraph) {
    this.d = d;
    this.o = o;
    this.ctx = ctx;
    this.df = df;
    this.global = global;
    this.graph = graph;
    this.signal = o.signal ? AbortSignal.any([o.signal, this.abort.signal]) : this.abort.signal;
  }

  private stream(text: string): void {
    if (!this.o.quiet) this.out.write({ stream: text });
  }

  async run(out: BuildOutput): Promise<void> {
    this.out = out;
    try {
      this.cacheSources = await this.resolveCacheSources();
      let id = await this.runStages();
      if (this.o.squash) {
        const base = this.results.get(this.graph.target)!.baseImageId;
        id = await squashImage(this.d.images, this.d.tmpRoot, id, base, this.o.signal);
      }
      out.write({ aux: { ID: id } });
      const warning = this.global.unusedBuildArgsWarning();
      if (warning) this.stream(`${warning}\n`);
      if (this.o.quiet) out.write({ stream: `${id}\n` });
      this.stream(`Successfully built ${short(id)}\n`);
      for (const t of this.o.tags) {
        await this.d.images.tag(id, t);
        this.stream(`Successfully tagged ${familiarString(withDefaultTag(parseReference(t)))}\n`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const code = err instanceof BuildStepError ? err.code : undefined;
      out.write({ errorDetail: code === undefined ? { message } : { code, message }, error: message });
      if (!(err instanceof BuildStepError) && !(err instanceof EngineError)) this.d.log.warn('build failed', { err });
    }
  }

  /**
   * Runs the stages the target needs, each as soon as the stages it depends on are done, so independent stages
   * build in parallel. Step numbers are fixed up front and the output is shown in stage order (OrderedOutput).
   * The first failure stops the other stages.
   */
  private async runStages(): Promise<string> {
    const firstStep = new Map<number, number>();
    for (const i of this.graph.needed) {
      firstStep.set(i, this.total);
      this.total += 1 + this.df.stages[i]!.commands.length;
    }
    const output = new OrderedOutput(this.out, this.graph.needed);
    const running = new Map<number, Promise<void>>();
    let failure: unknown;
    const start = (i: number): Promise<void> => {
      let p = running.get(i);
      if (!p) {
        p = (async () => {
          await Promise.all(this.graph.nodes[i]!.dependsOn.map(start));
          const out = output.channel(i);
          const r = await this.runStage(i, out, firstStep.get(i)!);
          this.results.set(i, r);
          if (r.imageId && i !== this.graph.target) out.write({ aux: { ID: r.imageId } });
          output.finish(i);
        })();
        p.catch((err: unknown) => {
          failure ??= err;
          this.abort.abort();
        });
        running.set(i, p);
      }
      return p;
    };
    await Promise.allSettled(this.graph.needed.map(start));
    if (failure !== undefined) {
      output.flushAll();
      throw this.o.signal?.aborted ? this.o.signal.reason : failure;
    }
    const last = this.results.get(this.graph.target);
    if (!last?.imageId) throw new BuildStepError('No image was generated. Is your Dockerfile empty?');
    return last.imageId;
  }

  /** The --cache-from images that exist here; others are skipped, as dockerd does. */
  private async resolveCacheSources(): Promise<CacheSource[]> {
    const sources: CacheSource[] = [];
    for (const ref of this.o.cacheFrom ?? []) {
      try {
        sources.push(await this.d.images.resolve(ref));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.d.log.warn('could not look up --cache-from image, skipping', { ref });
      }
    }
    return sources;
  }

  private say(state: { out: BuildOutput }, text: string): void {
    if (!this.o.quiet) state.out.write({ stream: text });
  }

  private async runStage(index: number, out: BuildOutput, firstStep: number): Promise<StageResult> {
    const node = this.graph.nodes[index]!;
    const stage = this.df.stages[index]!;
    let step = firstStep;
    const say = (text: string) => this.say({ out }, text);
    say(`Step ${++step}/${this.total} : ${stage.from.original}\n`);
    let base: StageResult;
    if (node.base.kind === 'scratch') {
      base = { imageId: undefined, config: {} };
    } else if (node.base.kind === 'stage') {
      base = this.results.get(node.base.index)!;
    } else {
      const img = await this.resolveImage(node.base.ref, out, this.o.pull === true);
      base = { imageId: img.id, config: img.config.config ?? {}, author: img.config.author };
    }
    if (base.imageId) say(` ---> ${short(base.imageId)}\n`);
    const config: ContainerConfigPart = structuredClone(base.config);
    setDefaultPath(config);
    if (config.OnBuild?.length) {
      say(`# Executing ${config.OnBuild.length} build trigger${config.OnBuild.length > 1 ? 's' : ''}\n`);
    }
    const triggers = config.OnBuild ?? [];
    delete config.OnBuild;
    const state: State = {
      imageId: base.imageId, config, author: base.author, scope: this.global.stage(config.Env ?? []), cmdSet: false, out,
    };
    for (const t of triggers) {
      const parsed = parseDockerfile(`FROM scratch\n${t}\n`).stages[0]!.commands[0]!;
      await this.dispatch(state, parsed);
    }
    for (const cmd of stage.commands) {
      this.signal.throwIfAborted();
      say(`Step ${++step}/${this.total} : ${cmd.original}\n`);
      await this.dispatch(state, cmd);
      say(` ---> ${short(state.imageId!)}\n`);
    }
    return { imageId: state.imageId, config: state.config, author: state.author, baseImageId: base.imageId };
  }

  /** A FROM (with its stage's output: pull progress; `always` for --pull) or COPY --from image, pulled if missing. */
  private resolveImage(ref: string, out?: BuildOutput, always = false): Promise<{ id: string; config: ImageConfig }> {
    const write = out && !this.o.quiet ? (m: object) => out.write(m) : undefined;
    return resolveBaseImage(this.d, ref, { always, write, signal: this.signal, registryAuth: this.o.registryAuth });
  }

  private shell(state: State): string[] {
    return state.config.Shell?.length ? [...state.config.Shell] : [...DEFAULT_SHELL];
  }

  private async dispatch(state: State, raw: Command): Promise<void> {
    const cmd = state.scope.apply(raw);
    const c = state.config;
    switch (cmd.kind) {
      case 'env':
        return this.commitConfig(state, { ...c, Env: [...state.scope.env] }, `ENV ${cmd.env.map((e) => `${e.key}=${e.value}`).join(' ')}`);
      case 'arg':
        return this.commitConfig(state, c, `ARG ${cmd.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`)).join(' ')}`);
      case 'label': {
        const Labels = { ...c.Labels };
        for (const l of cmd.labels) Labels[l.key] = l.value;
        return this.commitConfig(state, { ...c, Labels }, `LABEL ${cmd.labels.map((l) => `${l.key}=${l.value}`).join(' ')}`);
      }
      case 'maintainer':
        state.author = cmd.maintainer;
        return this.commitConfig(state, c, `MAINTAINER ${cmd.maintainer}`);
      case 'expose': {
        const ports = cmd.ports.flatMap(expandPort);
        const ExposedPorts = { ...c.ExposedPorts };
        for (const p of ports) ExposedPorts[p] = {};
        // moby: the words as written (sorted by the parser), after expansion.
        return this.commitConfig(state, { ...c, ExposedPorts }, `EXPOSE ${cmd.ports.join(' ')}`);
      }
      case 'volume': {
        const Volumes = { ...c.Volumes };
        for (const v of cmd.volumes) Volumes[v] = {};
        return this.commitConfig(state, { ...c, Volumes }, `VOLUME [${cmd.volumes.join(' ')}]`);
      }
      case 'user':
        return this.commitConfig(state, { ...c, User: cmd.user }, `USER ${cmd.user}`);
      case 'stopsignal':
        return this.commitConfig(state, { ...c, StopSignal: cmd.signal }, `STOPSIGNAL ${cmd.signal}`);
      case 'shell':
        // moby dispatchShell: the new shell prefixes its own history line, printed with %v.
        state.config = { ...c, Shell: cmd.shell };
        return this.commitConfig(state, state.config, `SHELL [${cmd.shell.join(' ')}]`);
      case 'onbuild':
        return this.commitConfig(state, { ...c, OnBuild: [...(c.OnBuild ?? []), cmd.expression] }, `ONBUILD ${cmd.expression}`);
      case 'cmd': {
        const Cmd = cmd.prependShell ? [...this.shell(state), cmd.cmdLine.join(' ')] : cmd.cmdLine;
        state.cmdSet = true;
        return this.commitConfig(state, { ...c, Cmd }, `CMD ${goQuoteList(Cmd)}`);
      }
      case 'entrypoint': {
        const Entrypoint = cmd.cmdLine === null ? undefined : cmd.prependShell ? [...this.shell(state), cmd.cmdLine.join(' ')] : cmd.cmdLine;
        const next: ContainerConfigPart = { ...c, Entrypoint };
        if (Entrypoint === undefined) delete next.Entrypoint;
        if (!state.cmdSet) delete next.Cmd;
        return this.commitConfig(state, next, `ENTRYPOINT ${goQuoteList(Entrypoint)}`);
      }
      case 'healthcheck': {
        const h = cmd.health;
        const Healthcheck: NonNullable<ContainerConfigPart['Healthcheck']> = { Test: h.test };
        if (h.interval) Healthcheck.Interval = h.interval;
        if (h.timeout) Healthcheck.Timeout = h.timeout;
        if (h.startPeriod) Healthcheck.StartPeriod = h.startPeriod;
        if (h.startInterval) Healthcheck.StartInterval = h.startInterval;
        if (h.retries) Healthcheck.Retries = h.retries;
        const old = c.Healthcheck?.Test;
        if (old?.length && old[0] !== 'NONE') this.say(state, `Note: overriding previous HEALTHCHECK: [${old.join(' ')}]\n`);
        return this.commitConfig(state, { ...c, Healthcheck }, healthcheckComment(h));
      }
      case 'workdir':
        return this.workdir(state, cmd.path);
      case 'run':
        return this.runStep(state, cmd);
      case 'copy':
      case 'add':
        return this.copyStep(state, cmd);
    }
  }

  /** Probes the cache; on a hit moves the state there and returns true. */
  private async probe(state: State, key: string, createdBy: string): Promise<boolean> {
    if (this.o.noCache) return false;
    let hit = this.d.images.findCacheChild(state.imageId, key);
    if (!hit && this.cacheSources.length > 0) {
      const parent = state.imageId ? (await this.d.images.resolve(state.imageId)).config : undefined;
      const m = matchCacheSource(this.cacheSources, parent, createdBy);
      if (m) {
        this.cacheSources = [m.source];
        hit = await this.d.images.imageFromCacheSource({ sourceId: m.source.id, parentId: state.imageId, index: m.index, config: state.config, cacheKey: key });
      }
    }
    if (!hit) return false;
    this.say(state, ' ---> Using cache\n');
    state.imageId = hit;
    return true;
  }

  private async commitConfig(state: State, config: ContainerConfigPart, comment: string): Promise<void> {
    const createdBy = nopComment(this.shell(state), comment);
    state.config = config;
    const key = sha(['config', createdBy, config, state.author ?? '']);
    if (await this.probe(state, key, createdBy)) return;
    const { id } = await this.d.images.createImage({
      parentImageId: state.imageId, config, history: { created_by: createdBy, empty_layer: true }, cacheKey: key, author: state.author,
    });
    state.imageId = id;
  }

  // ---- WORKDIR, COPY, ADD: build layers ----

  /** Runs `fn` on a mounted build layer on the current image and commits it. */
  private async withBuildLayer(state: State, createdBy: string, key: string, fn: (root: string) => Promise<void>): Promise<void> {
    const layer = await this.d.images.createBuildLayer(state.imageId);
    const mnt = await mkdtemp(join(this.d.tmpRoot, 'mnt-'));
    let committed = false;
    try {
      await this.d.images.mountBuildLayer(layer, mnt);
      try {
        await fn(mnt);
      } finally {
        await this.d.images.unmountBuildLayer(mnt);
      }
      const { id } = await this.d.images.commitBuildLayer(layer, {
        parentImageId: state.imageId, config: state.config, history: { created_by: createdBy }, cacheKey: key, author: state.author,
      });
      committed = true;
      state.imageId = id;
    } finally {
      if (!committed) await this.d.images.removeBuildLayer(layer).catch((err: unknown) => this.d.log.warn('build layer cleanup', { err }));
      await rm(mnt, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  private async workdir(state: State, path: string): Promise<void> {
    const wd = posix.resolve(state.config.WorkingDir || '/', path);
    state.config = { ...state.config, WorkingDir: wd };
    const createdBy = nopCommentString(this.shell(state), `WORKDIR ${wd}`);
    const key = sha(['workdir', createdBy, state.config]);
    if (await this.probe(state, key, createdBy)) return;
    await this.withBuildLayer(state, createdBy, key, async (root) => {
      await performCopy(root, { cmdName: 'COPY', sources: [], contents: [], dest: `${wd}/`, workingDir: '/', signal: this.signal });
    });
  }

  private async copyStep(state: State, cmd: Extract<Command, { kind: 'copy' | 'add' }>): Promise<void> {
    const name = cmd.kind === 'copy' ? 'COPY' : 'ADD';
    if (cmd.kind === 'add' && cmd.sourcePaths.some((p) => p.startsWith('git@'))) {
      throw new BuildStepError(`${name} failed: remote sources are not supported yet`);
    }
    const chmod = parseChmod(cmd.chmod);
    let from: MountedSource | undefined;
    let remote: SplitSources | undefined;
    try {
      remote = await openRemoteSources(name, cmd.sourcePaths, cmd.kind === 'add' ? cmd.checksum : '', {
        tmpRoot: this.d.tmpRoot, signal: this.signal, write: this.o.quiet ? undefined : (m) => state.out.write(m),
      });
      if (cmd.kind === 'copy' && cmd.from !== '') from = await this.mountFrom(cmd.from);
      const root = from?.root ?? this.ctx.dir;
      let digest = '';
      let sources: CopySource[] = [];
      let kind = 'multi';
      if (remote.local.length > 0) {
        const knownDigests = from ? undefined : this.ctx.fileDigests;
        const sel = await checksumSources(root, remote.local, { cmdName: name, knownDigests, signal: this.signal });
        digest = sel.digest;
        const paths = sel.sources.flatMap((s) => s.paths);
        sources = [{ root, paths }];
        if (paths.length === 1 && cmd.sourceContents.length === 0) kind = (await lstat(join(root, paths[0]!))).isDirectory() ? 'dir' : 'file';
      }
      if (remote.digests.length) {
        sources.push(...remote.sources);
        digest = sha([digest, remote.digests]);
        // A lone URL's hash has no `file:` prefix in dockerd's history.
        kind = remote.local.length === 0 && remote.digests.length === 1 && cmd.sourceContents.length === 0 ? '' : 'multi';
      }
      const contents = cmd.sourceContents.map((s) => ({ path: s.path, data: s.data }));
      if (contents.length) digest = sha([digest, contents]);
      const hash = createHash('sha256').update(digest).digest('hex');
      // moby performCopy's comment, `--chown=X` glued to the hash as dockerd writes it.
      const chownComment = cmd.chown ? `--chown=${cmd.chown}` : '';
      const createdBy = nopCommentString(this.shell(state), `${name} ${chownComment}${kind ? `${kind}:` : ''}${hash} in ${cmd.dest} `);
      const key = sha([name, createdBy, cmd.chown, cmd.chmod, state.config]);
      if (await this.probe(state, key, createdBy)) return;
      await this.withBuildLayer(state, createdBy, key, async (rootfs) => {
        const owner = await resolveChown(rootfs, cmd.chown);
        await performCopy(rootfs, {
          cmdName: name, sources, contents, dest: cmd.dest, workingDir: state.config.WorkingDir || '/',
          chown: owner, chmod, signal: this.signal,
        });
      });
    } finally {
      await from?.cleanup();
      await remote?.cleanup();
    }
  }

  /** The image a COPY --from / RUN --mount from= names: a stage's result, or an image (undefined: scratch). */
  private async sourceImageId(value: string): Promise<string | undefined> {
    const named = this.df.stages.findIndex((s) => s.name !== '' && s.name === value.toLowerCase());
    if (named >= 0) return this.results.get(named)?.imageId;
    if (/^\d+$/.test(value) && this.results.has(Number(value))) return this.results.get(Number(value))!.imageId;
    return (await this.resolveImage(value)).id;
  }

  /** Mounts the stage or image a COPY --from names, read-only. */
  private async mountFrom(value: string): Promise<MountedSource> {
    const imageId = await this.sourceImageId(value);
    const mnt = await mkdtemp(join(this.d.tmpRoot, 'from-'));
    if (!imageId) return { root: mnt, imageId: '', cleanup: () => rm(mnt, { recursive: true, force: true }) };
    const view = await this.d.images.createImageView(imageId);
    if (view) await this.d.images.mountBuildLayer(view, mnt);
    return {
      root: mnt, imageId,
      cleanup: async () => {
        if (view) {
          await this.d.images.unmountBuildLayer(mnt).catch(() => undefined);
          await this.d.images.removeBuildLayer(view).catch(() => undefined);
        }
        await rm(mnt, { recursive: true, force: true }).catch(() => undefined);
      },
    };
  }

  // ---- RUN: a temporary container ----

  private async runStep(state: State, cmd: Extract<Command, { kind: 'run' }>): Promise<void> {
    const flag = cmd.flagsUsed.find((f) => f !== 'network' && f !== 'mount');
    if (flag) throw new BuildStepError(`the --${flag} option requires BuildKit. Refer to https://docs.docker.com/go/buildkit/ to learn how to build images with BuildKit enabled`);
    // Heredocs go beyond dockerd's classic builder (which refuses them) and follow BuildKit, except the shebang
    // case, which would need a /dev/pipes mount.
    const proc = runProcess(cmd);
    if (proc.pipeFiles.length > 0) throw new BuildStepError('heredocs with a #! script in RUN require BuildKit');
    const runCmd = proc.prependShell ? [...this.shell(state), proc.args.join(' ')] : proc.args;
    const cacheArgs = state.scope.runCacheArgs();
    const saveCmd = cacheArgs.length ? [`|${cacheArgs.length}`, ...cacheArgs, ...runCmd] : runCmd;
    const createdBy = saveCmd.join(' ');
    const mountEnv = this.runMountEnv(state);
    const mountKey = cmd.mounts.length ? await runMountsCacheKey(cmd.mounts, mountEnv).catch(stepError) : undefined;
    const key = sha(mountKey ? ['run', saveCmd, state.config, mountKey] : ['run', saveCmd, state.config]);
    if (await this.probe(state, key, createdBy)) return;
    await withRunMounts(cmd.mounts, mountEnv, (mounts) => this.runContainer(state, runCmd, createdBy, key, cmd.network, mounts)).catch(stepError);
  }

  private runMountEnv(state: State): RunMountEnv {
    return {
      contextDir: this.ctx.dir, contextDigests: this.ctx.fileDigests, cacheMounts: this.d.cacheMounts, tmpRoot: this.d.tmpRoot,
      workingDir: state.config.WorkingDir ?? '/', signal: this.signal,
      sourceImageId: async (from) => (await this.sourceImageId(from)) ?? '',
      mountFrom: (from) => this.mountFrom(from),
    };
  }

  /** Runs one RUN command in a temporary container and commits it. */
  private async runContainer(state: State, runCmd: string[], createdBy: string, key: string, network: string, mounts: MountSpec[]): Promise<void> {
    if (!state.imageId) {
      const { id } = await this.d.images.createImage({ config: state.config, history: { created_by: '', empty_layer: true } });
      state.imageId = id;
    }
    let networkMode = this.o.networkMode || 'default';
    if (network === 'none') networkMode = 'none';
    else if (network === 'host') networkMode = 'host';
    const c = state.config;
    const { Id: cid } = await this.d.containers.create({
      Image: state.imageId,
      Cmd: runCmd,
      Entrypoint: [''],
      Env: [...(c.Env ?? []), ...state.scope.runBuildArgs()],
      User: c.User ?? '',
      WorkingDir: c.WorkingDir ?? '',
      Healthcheck: { Test: ['NONE'] },
      Labels: {},
      HostConfig: {
        NetworkMode: networkMode,
        ...(mounts.length ? { Mounts: mounts } : {}),
        ...(this.o.extraHosts?.length ? { ExtraHosts: this.o.extraHosts } : {}),
        ...(this.o.shmSize ? { ShmSize: this.o.shmSize } : {}),
      },
    });
    // One removal, whoever asks first (an abort, the step's end); everyone awaits the same promise.
    let removal: Promise<void> | undefined;
    let kept = false;
    const removeContainer = (): Promise<void> => {
      if (kept) return Promise.resolve();
      return removal ??= this.d.containers.remove(cid, { force: true, volumes: true })
        .catch((err: unknown) => this.d.log.warn('build container cleanup', { err }));
    };
    try {
      this.say(state, ` ---> Running in ${short(cid)}\n`);
      const exit = this.d.containers.wait(cid, 'next-exit');
      const onAbort = () => void removeContainer();
      this.signal.addEventListener('abort', onAbort, { once: true });
      try {
        await this.d.containers.start(cid);
        for await (const e of readLogs(this.d.containers.logPath(cid), { follow: true, stopWhen: exit, signal: this.signal })) {
          this.say(state, e.data.toString());
        }
      } finally {
        this.signal.removeEventListener('abort', onAbort);
      }
      const { StatusCode: code } = await exit;
      if (code !== 0) throw new BuildStepError(`The command '${runCmd.join(' ')}' returned a non-zero code: ${code}`, code);
      if (mounts.length) await removeMountStubs(await this.d.images.containerLayerMounts(cid), mounts.map((m) => m.Target));
      const keep = !this.o.remove && !this.o.forceRemove;
      const { id } = await this.d.images.commitContainer(cid, {
        parentImageId: state.imageId, config: state.config, history: { created_by: createdBy }, cacheKey: key,
        author: state.author, takeLayer: !keep,
      });
      state.imageId = id;
      if (!keep) {
        this.say(state, `Removing intermediate container ${short(cid)}\n`);
        await removeContainer();
      } else {
        kept = true;
      }
    } finally {
      // A failed step never leaves its container behind (Docker keeps it unless forcerm; Berth cleans up).
      await removeContainer();
    }
  }
}

/** A mount that cannot be made fails its RUN step like any step error. */
function stepError(err: unknown): never {
  if (err instanceof RunMountError) throw new BuildStepError(err.message);
  throw err;
}

/** EXPOSE words → `port/proto` keys (ranges expanded, tcp by default). */
function expandPort(spec: string): string[] {
  const [portPart, proto = 'tcp'] = spec.split('/', 2) as [string, string | undefined];
  const port = portPart.includes(':') ? portPart.slice(portPart.lastIndexOf(':') + 1) : portPart;
  const m = /^(\d+)(?:-(\d+))?$/.exec(port);
  if (!m) throw new BuildStepError(`Invalid containerPort: ${port}`);
  const lo = Number(m[1]);
  const hi = m[2] ? Number(m[2]) : lo;
  if (hi < lo) throw new BuildStepError(`Invalid range specified for the Port: ${port}`);
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto.toLowerCase()}`);
  return out;
}

export { DockerfileError };
