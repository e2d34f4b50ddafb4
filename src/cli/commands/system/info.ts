/** docker info: Client and Server sections, a subset of docker's fields in its layout. */
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { stringFlag } from '../../flags/flag-spec.ts';
import { parseTemplate } from '../../format/go-template.ts';
import { goJson } from '../../format/template-functions.ts';
import { bytesSize } from '../../format/units.ts';
import { errorText } from '../../error-text.ts';

type Info = Record<string, unknown> & {
  Containers?: number; ContainersRunning?: number; ContainersPaused?: number; ContainersStopped?: number;
  Images?: number; ServerVersion?: string; Driver?: string; DriverStatus?: [string, string][];
  LoggingDriver?: string; CgroupDriver?: string; CgroupVersion?: string; KernelVersion?: string;
  OperatingSystem?: string; OSType?: string; Architecture?: string; NCPU?: number; MemTotal?: number;
  Name?: string; ID?: string; DockerRootDir?: string; Debug?: boolean; Experimental?: boolean; LiveRestoreEnabled?: boolean;
  Warnings?: string[] | null; Runtimes?: Record<string, unknown>; DefaultRuntime?: string;
};

function serverLines(i: Info): string[] {
  const lines = [
    'Server:',
    ` Containers: ${i.Containers ?? 0}`,
    `  Running: ${i.ContainersRunning ?? 0}`,
    `  Paused: ${i.ContainersPaused ?? 0}`,
    `  Stopped: ${i.ContainersStopped ?? 0}`,
    ` Images: ${i.Images ?? 0}`,
    ` Server Version: ${i.ServerVersion ?? ''}`,
    ` Storage Driver: ${i.Driver ?? ''}`,
    ...(i.DriverStatus ?? []).map(([k, v]) => `  ${k}: ${v}`),
    ` Logging Driver: ${i.LoggingDriver ?? ''}`,
    ` Cgroup Driver: ${i.CgroupDriver ?? ''}`,
    ` Cgroup Version: ${i.CgroupVersion ?? ''}`,
  ];
  if (i.Runtimes) lines.push(` Runtimes: ${Object.keys(i.Runtimes).sort().join(' ')}`);
  if (i.DefaultRuntime) lines.push(` Default Runtime: ${i.DefaultRuntime}`);
  lines.push(
    ` Kernel Version: ${i.KernelVersion ?? ''}`,
    ` Operating System: ${i.OperatingSystem ?? ''}`,
    ` OSType: ${i.OSType ?? ''}`,
    ` Architecture: ${i.Architecture ?? ''}`,
    ` CPUs: ${i.NCPU ?? 0}`,
    ` Total Memory: ${bytesSize(i.MemTotal ?? 0)}`,
    ` Name: ${i.Name ?? ''}`,
    ` ID: ${i.ID ?? ''}`,
    ` Docker Root Dir: ${i.DockerRootDir ?? ''}`,
    ` Debug Mode: ${i.Debug ?? false}`,
    ` Experimental: ${i.Experimental ?? false}`,
    ` Live Restore Enabled: ${i.LiveRestoreEnabled ?? false}`,
  );
  return lines;
}

export const infoCommand: CommandDefinition = {
  usage: '[OPTIONS]',
  description: 'Display system-wide information',
  flags: [stringFlag('format', 'f', "Format output using a custom template: 'json' or 'TEMPLATE'")],
  args: { max: 0 },
  async run(ctx, flags) {
    const format = flags.string('format');
    let info: Info | undefined;
    let failure: unknown;
    try {
      info = await ctx.client().json<Info>('GET', '/info');
    } catch (e) {
      failure = e;
    }
    if (format) {
      if (failure) throw failure;
      ctx.stdout.write(`${format === 'json' ? goJson(info) : parseTemplate(format).execute(info)}\n`);
      return 0;
    }
    const lines = ['Client:', ' Version:    0.1.0', ' Context:    default', ' Debug Mode: false', ''];
    if (info) lines.push(...serverLines(info));
    ctx.stdout.write(`${lines.join('\n')}\n`);
    if (info?.Warnings?.length) ctx.stderr.write(`${info.Warnings.join('\n')}\n`);
    if (failure) throw new StatusError(`Server:\nERROR: ${errorText(failure)}\nerrors pretty printing info`, 1);
    return 0;
  },
};
