import type { CommandDefinition } from '../../command.ts';

export const renameCommand: CommandDefinition = {
  usage: 'CONTAINER NEW_NAME',
  description: 'Rename a container',
  flags: [],
  args: { min: 2, max: 2 },
  async run(ctx, flags) {
    const [oldName, newName] = flags.args.map((a) => a.trim());
    if (!oldName || !newName) throw new Error('Error: Neither old nor new names may be empty');
    await ctx.client().call('POST', `/containers/${encodeURIComponent(oldName)}/rename`, { query: { name: newName } });
    return 0;
  },
};
