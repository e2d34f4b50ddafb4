/** The `berth compose` verbs, each loaded on demand. */
import type { ComposeSubcommand } from './compose-context.ts';

type Loader = () => Promise<ComposeSubcommand>;

export const COMPOSE_SUBCOMMANDS: Record<string, Loader> = {
  up: async () => (await import('./up.ts')).upCommand,
  down: async () => (await import('./down.ts')).downCommand,
  ps: async () => (await import('./ps.ts')).psCommand,
  logs: async () => (await import('./logs.ts')).logsCommand,
  exec: async () => (await import('./exec.ts')).execCommand,
  config: async () => (await import('./config.ts')).configCommand,
};
