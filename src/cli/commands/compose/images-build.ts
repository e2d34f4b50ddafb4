/** build, pull, push and images: the project's service images. */
import { boolFlag, stringFlag } from '../../flags/flag-spec.ts';
import { parseFlags } from '../../flags/parse-flags.ts';
import { formatRows } from '../../format/formatter.ts';
import { humanSize } from '../../../lib/human.ts';
import { buildService, pullImage, selectServices, serviceImage, COMPOSE_LABELS as L } from '../../../compose/index.ts';
import { imagePushCommand } from '../image/push.ts';
import type { ComposeSubcommand } from './compose-context.ts';
import { containerName, serviceContainers } from './service-containers.ts';

export const buildCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Build or rebuild services',
  flags: [boolFlag('no-cache', undefined, 'Do not use cache when building the image'), boolFlag('pull', undefined, 'Always attempt to pull a newer version of the image'), boolFlag('quiet', 'q', "Don't print anything to STDOUT")],
  async run(c, flags) {
    const p = c.project();
    for (const s of selectServices(p, flags.args, false)) if (s.build) await buildService(flags.bool('quiet') ? { ...c.engine, buildOutput: undefined } : c.engine, p, s, { noCache: flags.bool('no-cache'), pull: flags.bool('pull') });
    return 0;
  },
};

export const pullCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Pull service images',
  flags: [boolFlag('ignore-buildable', undefined, 'Ignore images that can be built'), boolFlag('quiet', 'q', 'Pull without printing progress information')],
  async run(c, flags) {
    const p = c.project();
    for (const s of selectServices(p, flags.args, false)) {
      if (!s.image || (s.build && flags.bool('ignore-buildable'))) continue;
      c.cli.stderr.write(` ${s.name} Pulling\n`);
      await pullImage(c.engine, s.image);
      c.cli.stderr.write(` ${s.name} Pulled\n`);
    }
    return 0;
  },
};

export const pushCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'Push service images',
  flags: [boolFlag('ignore-push-failures', undefined, 'Push what it can and ignores images with push failures'), boolFlag('quiet', 'q', 'Push without printing progress information')],
  async run(c, flags) {
    const p = c.project();
    for (const s of selectServices(p, flags.args, false)) {
      if (!s.image) continue;
      const code = await imagePushCommand.run(c.cli, parseFlags([...(flags.bool('quiet') ? ['-q'] : []), serviceImage(p, s)], imagePushCommand.flags)).catch((err: unknown) => {
        if (flags.bool('ignore-push-failures')) return 1;
        throw err;
      });
      if (code !== 0 && !flags.bool('ignore-push-failures')) return code;
    }
    return 0;
  },
};

interface ImageInspect { Id: string; RepoTags?: string[]; Size: number }

export const imagesCommand: ComposeSubcommand = {
  usage: '[OPTIONS] [SERVICE...]',
  description: 'List images used by the created containers',
  flags: [boolFlag('quiet', 'q', 'Only display IDs'), stringFlag('format', undefined, 'Format the output. Values: [table | json]', { default: 'table' })],
  async run(c, flags) {
    const rows = [];
    for (const x of await serviceContainers(c, flags.args)) {
      const i = await c.cli.client().json<ImageInspect>('GET', `/images/${encodeURIComponent(x.ImageID ?? x.Image)}/json`);
      const [repo, tag] = (i.RepoTags?.[0] ?? x.Image).split(/:(?=[^:/]*$)/);
      rows.push({ Container: containerName(x), Repository: repo, Tag: tag ?? 'latest', ID: i.Id.replace(/^sha256:/, '').slice(0, 12), Size: humanSize(i.Size), Service: x.Labels[L.service] });
    }
    if (flags.bool('quiet')) {
      c.cli.stdout.write([...new Set(rows.map((r) => r.ID))].map((id) => `${id}\n`).join(''));
      return 0;
    }
    c.cli.stdout.write(formatRows(rows, { format: flags.string('format'), defaultTable: '{{.Container}}\t{{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}', headers: { Container: 'CONTAINER', Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Size: 'SIZE' } }));
    return 0;
  },
};
