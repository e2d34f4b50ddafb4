/** What every `berth compose` subcommand gets: the CLI context, the compose-level flags and the lazily loaded project. */
import type { CliContext } from '../../command.ts';
import type { FlagSpec } from '../../flags/flag-spec.ts';
import type { ParsedFlags } from '../../flags/parse-flags.ts';
import { loadProject, projectNameFrom, type ComposeContext, type Project } from '../../../compose/index.ts';
import { packContext } from '../image/build-context.ts';

export interface ComposeGlobals {
  files: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles: string[];
  profiles: string[];
}

export interface ComposeCli {
  readonly cli: CliContext;
  readonly globals: ComposeGlobals;
  /** The project from the compose files (loaded once). */
  project(): Project;
  /** -p, else COMPOSE_PROJECT_NAME, else the loaded project's name. */
  projectName(): string;
  readonly engine: ComposeContext;
}

export interface ComposeSubcommand {
  readonly usage: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  readonly interspersed?: boolean;
  run(c: ComposeCli, flags: ParsedFlags): Promise<number>;
}

export function makeComposeCli(cli: CliContext, globals: ComposeGlobals): ComposeCli {
  let project: Project | undefined;
  const load = () => (project ??= loadProject({ ...globals, env: cli.env, cwd: process.cwd() }));
  return {
    cli,
    globals,
    project: load,
    projectName: () => (globals.projectName ? projectNameFrom(globals.projectName) : cli.env.COMPOSE_PROJECT_NAME ? projectNameFrom(cli.env.COMPOSE_PROJECT_NAME) : load().name),
    engine: {
      get client() {
        return cli.client();
      },
      progress: (line) => cli.stderr.write(`${line}\n`),
      buildOutput: (text) => cli.stdout.write(text),
      packContext: (dir, dockerfile) => packContext(dir, { dockerfile: dockerfile.startsWith('/') ? dockerfile : `${dir}/${dockerfile}` }),
    },
  };
}
