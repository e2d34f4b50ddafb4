/** docker logs: inspect to learn Config.Tty, then stream raw (TTY) or demultiplex stdcopy frames. */
import type { CommandDefinition } from '../../command.ts';
import type { ContainerInspect } from '../../../client/types.ts';
import { StdcopyDecoder, StdStream } from '../../../lib/streams/stdcopy.ts';
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { toTimestamp } from '../../timestamps.ts';

export const logsCommand: CommandDefinition = {
  usage: '[OPTIONS] CONTAINER',
  description: 'Fetch the logs of a container',
  flags: [
    boolFlag('details', undefined, 'Show extra details provided to logs'),
    boolFlag('follow', 'f', 'Follow log output'),
    stringFlag('since', undefined, 'Show logs since timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)'),
    stringFlag('tail', 'n', 'Number of lines to show from the end of the logs', { default: 'all' }),
    boolFlag('timestamps', 't', 'Show timestamps'),
    stringFlag('until', undefined, 'Show logs before a timestamp (e.g. "2013-01-02T13:23:37Z") or relative (e.g. "42m" for 42 minutes)'),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const client = ctx.client();
    const c = await client.json<ContainerInspect>('GET', `/containers/${encodeURIComponent(flags.args[0])}/json`);
    const res = await client.request('GET', `/containers/${encodeURIComponent(flags.args[0])}/logs`, {
      query: {
        stdout: true,
        stderr: true,
        follow: flags.bool('follow'),
        timestamps: flags.bool('timestamps'),
        details: flags.bool('details'),
        tail: flags.string('tail'),
        since: flags.string('since') ? toTimestamp(flags.string('since')) : undefined,
        until: flags.string('until') ? toTimestamp(flags.string('until')) : undefined,
      },
    });
    let failure: Error | undefined;
    const decoder = c.Config.Tty
      ? undefined
      : new StdcopyDecoder((stream, payload) => {
          if (stream === StdStream.Stderr) ctx.stderr.write(payload);
          else if (stream === StdStream.SystemErr) failure ??= new Error(payload.toString('utf8'));
          else ctx.stdout.write(payload);
        });
    for await (const chunk of res) {
      if (decoder) decoder.push(chunk as Buffer);
      else ctx.stdout.write(chunk as Buffer);
    }
    if (failure) throw failure;
    return 0;
  },
};
