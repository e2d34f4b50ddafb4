/**
 * `berth compose [-f FILE]... [-p NAME] COMMAND`: the compose-level flags, then one subcommand with its own flags.
 * Subcommands are loaded lazily, like the top-level commands.
 */
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { parseFlags } from '../../flags/parse-flags.ts';
import { makeComposeCli, type ComposeSubcommand } from './compose-context.ts';
import { COMPOSE_SUBCOMMANDS } from './subcommands.ts';

export const composeCommand: CommandDefinition = {
  usage: '[OPTIONS] COMMAND',
  description: 'Define and run multi-container applications',
  flags: [
    listFlag('file', 'f', 'Compose configuration files'),
    stringFlag('project-name', 'p', 'Project name'),
    stringFlag('project-directory', undefined, 'Specify an alternate working directory (default: the path of the first Compose file)'),
    listFlag('env-file', undefined, 'Specify an alternate environment file'),
    listFlag('profile', undefined, 'Specify a profile to enable'),
    stringFlag('ansi', undefined, 'Control when to print ANSI control characters ("never"|"always"|"auto")', { default: 'auto' }),
    stringFlag('progress', undefined, 'Set type of progress output', { default: 'auto' }),
  ],
  interspersed: false,
  args: { min: 1 },
  async run(ctx, flags) {
    const [verb, ...rest] = flags.args;
    const load = COMPOSE_SUBCOMMANDS[verb];
    if (!load) throw new StatusError(`unknown docker command: "compose ${verb}"`, 1);
    const sub: ComposeSubcommand = await load();
    const subFlags = parseFlags(rest, sub.flags, { interspersed: sub.interspersed ?? true });
    if (subFlags.help) {
      ctx.stdout.write(`Usage:  berth compose ${verb} ${sub.usage}\n\n${sub.description}\n`);
      return 0;
    }
    const c = makeComposeCli(ctx, {
      files: flags.list('file'), projectName: flags.string('project-name') || undefined, projectDirectory: flags.string('project-directory') || undefined,
      envFiles: flags.list('env-file'), profiles: flags.list('profile'),
    });
    return sub.run(c, subFlags);
  },
};
