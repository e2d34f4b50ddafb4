/** `berth logout [SERVER]`: forgets the stored credentials of a registry (docker.io by default), in its credential helper too. */
import type { CommandDefinition } from '../../command.ts';
import { helperErase, helperFor } from './credential-helpers.ts';
import { readConfig, registryKey, writeConfig } from './login.ts';

export const logoutCommand: CommandDefinition = {
  usage: '[SERVER]',
  description: 'Log out from a registry',
  flags: [],
  args: { min: 0, max: 1 },
  async run(ctx, flags) {
    const server = registryKey(flags.args[0]);
    const c = await readConfig(ctx.env);
    if (!c.auths?.[server]) {
      ctx.stdout.write(`Not logged in to ${server}\n`);
      return 0;
    }
    ctx.stdout.write(`Removing login credentials for ${server}\n`);
    const helper = helperFor(c, server);
    if (helper) await helperErase(helper, server, ctx.env);
    delete c.auths[server];
    await writeConfig(ctx.env, c);
    return 0;
  },
};
