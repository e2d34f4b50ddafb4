import type { CommandDefinition } from '../../command.ts';
import { CONTAINER_FLAGS, buildCreateRequest } from './container-options.ts';
import { createContainer } from './create-container.ts';

export const createCommand: CommandDefinition = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create a new container',
  flags: CONTAINER_FLAGS,
  interspersed: false,
  args: { min: 1 },
  failureExitCode: 125,
  async run(ctx, flags) {
    const req = buildCreateRequest(flags, ctx.env, { detach: false });
    const id = await createContainer(ctx, req, { pull: flags.string('pull'), quiet: flags.bool('quiet') });
    ctx.stdout.write(`${id}\n`);
    return 0;
  },
};
