import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { boolFlag } from '../../flags/flag-spec.ts';
import { isApiError } from '../../../client/api-error.ts';
import { errorText } from '../../error-text.ts';

export const networkRmCommand: CommandDefinition = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  description: 'Remove one or more networks',
  flags: [boolFlag('force', 'f', 'Do not error if the network does not exist')],
  args: { min: 1 },
  async run(ctx, flags) {
    // As docker 28: each failure is printed as it happens, then "exit status 1".
    let failed = false;
    for (const ref of flags.args) {
      try {
        await ctx.client().call('DELETE', `/networks/${encodeURIComponent(ref)}`);
        ctx.stdout.write(`${ref}\n`);
      } catch (e) {
        if (flags.bool('force') && isApiError(e) && e.status === 404) continue;
        ctx.stderr.write(`${errorText(e)}\n`);
        failed = true;
      }
    }
    if (failed) throw new StatusError('exit status 1', 1);
    return 0;
  },
};
