/** `compose down`: remove the project's containers and networks; -v its volumes, --rmi its images. */
import { boolFlag, intFlag, stringFlag } from '../../flags/flag-spec.ts';
import { down } from '../../../compose/index.ts';
import type { ComposeSubcommand } from './compose-context.ts';

export const downCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICES]',
  description: 'Stop and remove containers, networks',
  flags: [
    boolFlag('volumes', 'v', 'Remove named volumes declared in the "volumes" section of the Compose file and anonymous volumes attached to containers'),
    stringFlag('rmi', undefined, 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")'),
    boolFlag('remove-orphans', undefined, 'Remove containers for services not defined in the Compose file'),
    intFlag('timeout', 't', 'Specify a shutdown timeout in seconds'),
  ],
  async run(c, flags) {
    const rmi = flags.string('rmi');
    if (rmi && rmi !== 'local' && rmi !== 'all') throw new Error(`invalid --rmi value ${JSON.stringify(rmi)}: expected "local" or "all"`);
    // without a compose file, `down -p NAME` still removes everything labelled with the project
    let target: Parameters<typeof down>[1];
    try {
      target = c.project();
    } catch (err) {
      if (!c.globals.projectName && !c.cli.env.COMPOSE_PROJECT_NAME) throw err;
      target = { name: c.projectName() };
    }
    await down(c.engine, target, { volumes: flags.bool('volumes'), rmi: (rmi || undefined) as 'local' | 'all' | undefined, removeOrphans: flags.bool('remove-orphans'), timeout: flags.changed('timeout') ? flags.int('timeout') : undefined });
    return 0;
  },
};
