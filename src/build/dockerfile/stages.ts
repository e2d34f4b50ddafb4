/**
 * Dockerfile → stages (BuildKit instructions.Parse), and the stage graph: which stage each FROM,
 * `COPY --from` and `RUN --mount=from=` refers to, which stages a `--target` needs, and an order in which
 * independent stages may be built in parallel (BuildKit builds only what the target reaches).
 */
import { DockerfileError, InstructionError, type LineRange } from './errors.ts';
import { parseInstruction, type ArgInstruction, type Command, type FromInstruction } from './instructions.ts';
import { parse, type Directive, type ParseWarning } from './parser.ts';

export interface Stage {
  index: number;
  /** Lower-cased `AS` name, or ''. */
  name: string;
  from: FromInstruction;
  commands: Command[];
}

export interface Dockerfile {
  /** ARGs before the first FROM. */
  metaArgs: ArgInstruction[];
  stages: Stage[];
  escapeToken: string;
  warnings: ParseWarning[];
  directives: Directive[];
}

/**
 * Parses and types a Dockerfile. Errors are DockerfileError in Docker's words:
 * `failed to parse Dockerfile: unterminated heredoc`, `dockerfile parse error on line 3: unknown instruction: FORM
 * (did you mean FROM?)`, `no build stage in current context`.
 */
export function parseDockerfile(text: string): Dockerfile {
  const ast = parse(text);
  const stages: Stage[] = [];
  const metaArgs: ArgInstruction[] = [];
  for (const node of ast.nodes) {
    let ins;
    try {
      ins = parseInstruction(node);
    } catch (err) {
      const detail = (err as Error).message;
      const location: LineRange = (err as InstructionError).location ?? { start: node.startLine, end: node.endLine };
      throw new DockerfileError(`dockerfile parse error on line ${node.startLine}: ${detail}`, { location, detail, cause: err });
    }
    if (stages.length === 0 && ins.kind === 'arg') {
      metaArgs.push(ins);
      continue;
    }
    if (ins.kind === 'from') {
      stages.push({ index: stages.length, name: ins.stageName, from: ins, commands: [] });
      continue;
    }
    const cur = stages[stages.length - 1];
    if (!cur) {
      throw new DockerfileError('no build stage in current context', { location: { start: node.startLine, end: node.endLine } });
    }
    cur.commands.push(ins);
  }
  return { metaArgs, stages, escapeToken: ast.escapeToken, warnings: ast.warnings, directives: ast.directives };
}

/** The stage index for `--target` (case-insensitive), or Docker's error. */
export function findTarget(df: Dockerfile, target: string): number {
  if (target === '') return df.stages.length - 1;
  const t = target.toLowerCase();
  const i = df.stages.findIndex((s) => s.name === t);
  if (i < 0) throw new DockerfileError(`target stage ${JSON.stringify(target)} could not be found`);
  return i;
}

/** Expands FROM lines with the global ARGs (GlobalScope in expand.ts). */
export interface FromExpander { expandFrom(from: FromInstruction): FromInstruction }

/** What a FROM, COPY --from or RUN --mount from= points at. */
export type SourceRef =
  | { kind: 'stage'; index: number }
  | { kind: 'image'; ref: string }
  | { kind: 'scratch' };

export interface StageNode {
  index: number;
  name: string;
  /** FROM after ARG expansion. */
  from: FromInstruction;
  base: SourceRef;
  /** Stages this one needs (its base and every --from / mount from), ascending, without duplicates. */
  dependsOn: number[];
  /** Images (not stages) named by COPY --from / RUN --mount from=, in order of appearance. */
  images: string[];
  /** For each command index with a --from (COPY) or a mount from=: what it resolved to. */
  commandSources: Map<number, SourceRef[]>;
}

export interface StageGraph {
  nodes: StageNode[];
  target: number;
  /** Stages the target needs, ascending (always includes the target). */
  needed: number[];
  /** `needed` grouped in waves: every stage's dependencies are in earlier waves, so a wave can run in parallel. */
  waves: number[][];
}

function lookupStage(df: Dockerfile, name: string): number {
  const n = name.toLowerCase();
  return df.stages.findIndex((s) => s.name !== '' && s.name === n);
}

function resolveFrom(df: Dockerfile, current: number, value: string, loc: LineRange): SourceRef {
  const err = (m: string) => new DockerfileError(`invalid from flag value ${value}: ${m}`, { location: loc });
  if (/\$/.test(value)) {
    throw new DockerfileError(
      'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
      { location: loc },
    );
  }
  const named = lookupStage(df, value);
  if (named >= 0) {
    if (named >= current) {
      const here = df.stages[current]!.name || String(current);
      throw new DockerfileError(`cannot copy from stage ${JSON.stringify(value)}, it needs to be defined before current stage ${JSON.stringify(here)}`, { location: loc });
    }
    return { kind: 'stage', index: named };
  }
  if (/^[+-]?\d+$/.test(value)) {
    const ix = Number.parseInt(value, 10);
    if (ix === current) throw err('refers to current build stage');
    if (ix < 0 || ix > current) throw err('index out of bounds');
    return { kind: 'stage', index: ix };
  }
  return { kind: 'image', ref: value };
}

/**
 * Resolves stage references and the stages `target` needs. FROM names are expanded with the global ARGs
 * (`global`), then matched case-insensitively against earlier stage names; anything else is an image
 * (`scratch` is the empty base).
 */
export function stageGraph(df: Dockerfile, global: FromExpander, o: { target?: string } = {}): StageGraph {
  const target = findTarget(df, o.target ?? '');
  const nodes: StageNode[] = df.stages.map((s) => {
    const from = global.expandFrom(s.from);
    let base: SourceRef;
    const named = lookupStage(df, from.baseName);
    if (named >= 0 && named < s.index) base = { kind: 'stage', index: named };
    else if (from.baseName.toLowerCase() === 'scratch') base = { kind: 'scratch' };
    else base = { kind: 'image', ref: from.baseName };
    const deps = new Set<number>();
    if (base.kind === 'stage') deps.add(base.index);
    const images: string[] = [];
    const commandSources = new Map<number, SourceRef[]>();
    s.commands.forEach((c, ci) => {
      const refs: string[] = [];
      if (c.kind === 'copy' && c.from !== '') refs.push(c.from);
      if (c.kind === 'run') {
        for (const m of c.mounts) if (m.from) refs.push(m.from);
      }
      if (refs.length === 0) return;
      const resolved = refs.map((r) => resolveFrom(df, s.index, r, c.location));
      for (const r of resolved) {
        if (r.kind === 'stage') deps.add(r.index);
        else if (r.kind === 'image') images.push(r.ref);
      }
      commandSources.set(ci, resolved);
    });
    return {
      index: s.index, name: s.name, from, base, dependsOn: [...deps].sort((a, b) => a - b), images, commandSources,
    };
  });

  const needed = new Set<number>();
  const visit = (i: number) => {
    if (needed.has(i)) return;
    needed.add(i);
    for (const d of nodes[i]!.dependsOn) visit(d);
  };
  visit(target);
  const sorted = [...needed].sort((a, b) => a - b);

  // Dependencies always point to earlier stages, so one ascending pass computes each stage's depth.
  const depth = new Map<number, number>();
  for (const i of sorted) {
    const deps = nodes[i]!.dependsOn;
    depth.set(i, deps.length === 0 ? 0 : Math.max(...deps.map((d) => depth.get(d)!)) + 1);
  }
  const waves: number[][] = [];
  for (const i of sorted) (waves[depth.get(i)!] ??= []).push(i);
  return { nodes, target, needed: sorted, waves };
}
