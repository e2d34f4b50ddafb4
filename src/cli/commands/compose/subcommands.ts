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
  run: async () => (await import('./run.ts')).runCommand,
  build: async () => (await import('./images-build.ts')).buildCommand,
  pull: async () => (await import('./images-build.ts')).pullCommand,
  push: async () => (await import('./images-build.ts')).pushCommand,
  images: async () => (await import('./images-build.ts')).imagesCommand,
  top: async () => (await import('./inspect-commands.ts')).topCommand,
  port: async () => (await import('./inspect-commands.ts')).portCommand,
  events: async () => (await import('./inspect-commands.ts')).eventsCommand,
  ls: async () => (await import('./inspect-commands.ts')).lsCommand,
  version: async () => (await import('./inspect-commands.ts')).versionCommand,
  ...Object.fromEntries(['start', 'stop', 'restart', 'kill', 'pause', 'unpause', 'rm'].map((v) => [v, async () => (await import('./lifecycle.ts')).LIFECYCLE[v]])),
};
