/** docker version: Client and Server sections in docker's layout (tabwriter minwidth 20, padding 1). */
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import type { VersionResponse } from '../../../client/types.ts';
import { CLIENT_API_VERSION } from '../../../client/engine-client.ts';
import { stringFlag } from '../../flags/flag-spec.ts';
import { parseTemplate } from '../../format/go-template.ts';
import { alignColumns } from '../../format/tab-writer.ts';
import { errorText } from '../../error-text.ts';
import { goJson } from '../../format/template-functions.ts';

const CLIENT_VERSION = '0.1.0';

function clientSection(apiVersion: string): Record<string, unknown> {
  return {
    Platform: { Name: '' },
    Version: CLIENT_VERSION,
    ApiVersion: apiVersion,
    DefaultAPIVersion: CLIENT_API_VERSION,
    NodeVersion: process.version,
    Os: 'linux',
    Arch: process.arch === 'x64' ? 'amd64' : process.arch,
    Context: 'default',
  };
}

function renderClient(c: Record<string, unknown>): string[] {
  const api = c.ApiVersion === c.DefaultAPIVersion ? String(c.ApiVersion) : `${c.ApiVersion} (downgraded from ${c.DefaultAPIVersion})`;
  return [
    'Client:',
    ` Version:\t${c.Version}`,
    ` API version:\t${api}`,
    ` Node version:\t${c.NodeVersion}`,
    ` OS/Arch:\t${c.Os}/${c.Arch}`,
    ` Context:\t${c.Context}`,
  ];
}

function renderServer(s: VersionResponse): string[] {
  const lines = [`Server:${s.Platform?.Name ? ` ${s.Platform.Name}` : ''}`];
  const components = s.Components?.length
    ? s.Components
    : [{ Name: 'Engine', Version: s.Version, Details: {} as Record<string, string> }];
  for (const c of components) {
    lines.push(` ${c.Name}:`);
    if (c.Name === 'Engine') {
      const d = c.Details ?? {};
      lines.push(
        `  Version:\t${c.Version || s.Version}`,
        `  API version:\t${d.ApiVersion ?? s.ApiVersion} (minimum version ${d.MinAPIVersion ?? s.MinAPIVersion ?? ''})`,
        `  Go version:\t${d.GoVersion ?? s.GoVersion ?? ''}`,
        `  Git commit:\t${d.GitCommit ?? s.GitCommit ?? ''}`,
        `  Built:\t${d.BuildTime ?? s.BuildTime ?? ''}`,
        `  OS/Arch:\t${d.Os ?? s.Os}/${d.Arch ?? s.Arch}`,
        `  Experimental:\t${d.Experimental ?? String(s.Experimental ?? false)}`,
      );
    } else {
      lines.push(`  Version:\t${c.Version}`);
      for (const [k, v] of Object.entries(c.Details ?? {}).sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${k}:\t${v}`);
    }
  }
  return lines;
}

export const versionCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Show the Docker version information',
  flags: [stringFlag('format', 'f', "Format output using a custom template: 'json' or 'TEMPLATE'")],
  args: { max: 0 },
  async run(ctx, flags) {
    const client = ctx.client();
    let server: VersionResponse | undefined;
    let failure: unknown;
    let apiVersion = CLIENT_API_VERSION;
    try {
      apiVersion = await client.apiVersion();
      server = await client.json<VersionResponse>('GET', '/version');
    } catch (e) {
      failure = e;
    }
    const clientInfo = clientSection(apiVersion);
    const format = flags.string('format');
    if (format) {
      const data = { Client: clientInfo, Server: server ?? null };
      ctx.stdout.write(`${format === 'json' ? goJson(data) : parseTemplate(format).execute(data)}\n`);
    } else {
      const lines = renderClient(clientInfo);
      if (server) lines.push('', ...renderServer(server));
      ctx.stdout.write(`${alignColumns(lines.join('\n'), { minWidth: 20, padding: 1 })}\n`);
    }
    if (failure) throw new StatusError(errorText(failure), 1);
    return 0;
  },
};
