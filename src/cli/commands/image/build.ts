/**
 * `berth build [OPTIONS] PATH | -`: packs the context (see build-context.ts), POSTs it to /build with docker
 * build's parameters and prints the daemon's step output as the docker CLI's classic builder does; -q prints
 * only the image ID. A failed step ends with the daemon's message on stderr and its exit code.
 */
import { writeFile } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import type { CommandDefinition } from '../../command.ts';
import { StatusError } from '../../command.ts';
import { boolFlag, listFlag, stringFlag } from '../../flags/flag-spec.ts';
import { humanSize } from '../../format/units.ts';
import { JsonLinesDecoder } from '../../../lib/streams/json-lines.ts';
import { keyValues } from '../key-values.ts';
import { ramInBytes } from '../../../lib/human.ts';
import { looksLikeArchive, packContext } from './build-context.ts';
import { BuildProgressView } from './build-progress.ts';

interface BuildMessage { stream?: string; status?: string; aux?: { ID?: string }; error?: string; errorDetail?: { message?: string; code?: number } }

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** --build-arg K=V, or a bare K taken from the environment (omitted when unset), as docker does. */
function buildArgs(pairs: readonly string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq >= 0) out[p.slice(0, eq)] = p.slice(eq + 1);
    else if (env[p] !== undefined) out[p] = env[p]!;
  }
  return out;
}

export const buildCommand: CommandDefinition = {
  usage: '[OPTIONS] PATH | URL | -',
  description: 'Build an image from a Dockerfile',
  flags: [
    listFlag('add-host', undefined, 'Add a custom host-to-IP mapping ("host:ip")', { valueName: 'list' }),
    listFlag('build-arg', undefined, 'Set build-time variables', { valueName: 'list' }),
    listFlag('cache-from', undefined, 'Images to consider as cache sources', { valueName: 'strings' }),
    stringFlag('file', 'f', "Name of the Dockerfile (Default is 'PATH/Dockerfile')"),
    boolFlag('force-rm', undefined, 'Always remove intermediate containers'),
    stringFlag('iidfile', undefined, 'Write the image ID to the file'),
    listFlag('label', undefined, 'Set metadata for an image', { valueName: 'list' }),
    stringFlag('memory', 'm', 'Memory limit', { valueName: 'bytes' }),
    stringFlag('network', undefined, 'Set the networking mode for the RUN instructions during build', { default: 'default' }),
    boolFlag('no-cache', undefined, 'Do not use cache when building the image'),
    stringFlag('platform', undefined, 'Set platform if server is multi-platform capable'),
    stringFlag('progress', undefined, 'Set type of progress output ("auto", "plain", "tty"): "auto" is the compact view on a terminal', { default: 'auto' }),
    boolFlag('pull', undefined, 'Always attempt to pull a newer version of the image'),
    boolFlag('quiet', 'q', 'Suppress the build output and print image ID on success'),
    boolFlag('rm', undefined, 'Remove intermediate containers after a successful build', { default: true }),
    stringFlag('shm-size', undefined, 'Size of "/dev/shm"', { valueName: 'bytes' }),
    boolFlag('squash', undefined, 'Squash newly built layers into a single new layer'),
    listFlag('tag', 't', 'Name and optionally a tag in the "name:tag" format', { valueName: 'list' }),
    stringFlag('target', undefined, 'Set the target build stage to build.'),
  ],
  args: { min: 1, max: 1 },
  async run(ctx, flags) {
    const [source] = flags.args;
    const file = flags.string('file');
    let body: Readable | Buffer;
    let dockerfile: string | undefined;
    let packing: Promise<void> | undefined;
    if (source === '-') {
      if (file === '-') throw new Error('invalid argument: can\'t use stdin for both build context and dockerfile');
      const input = await readAll(ctx.stdin);
      if (looksLikeArchive(input)) {
        body = input;
        dockerfile = file || undefined;
      } else {
        // A Dockerfile on stdin: the context is empty.
        const packed = await packContext(undefined, { dockerfileText: input.toString() });
        body = await readAll(packed.stream);
        await packed.done;
        dockerfile = packed.dockerfile;
      }
    } else {
      const text = file === '-' ? (await readAll(ctx.stdin)).toString() : undefined;
      const packed = await packContext(source, { dockerfile: file && file !== '-' ? file : undefined, dockerfileText: text });
      body = packed.stream;
      dockerfile = packed.dockerfile;
      packing = packed.done;
    }
    let sent = Buffer.isBuffer(body) ? body.length : 0;
    if (!Buffer.isBuffer(body)) {
      body = body.pipe(new Transform({ transform(chunk: Buffer, _enc, cb) { sent += chunk.length; cb(null, chunk); } }));
    }

    const quiet = flags.bool('quiet');
    const shm = flags.string('shm-size');
    const memory = flags.string('memory');
    const res = await ctx.client().request('POST', '/build', {
      headers: { 'Content-Type': 'application/x-tar' },
      body,
      query: {
        t: flags.list('tag'), dockerfile, q: quiet, nocache: flags.bool('no-cache'), pull: flags.bool('pull'),
        rm: flags.bool('rm') ? undefined : '0', forcerm: flags.bool('force-rm'), target: flags.string('target') || undefined,
        networkmode: flags.string('network'), platform: flags.string('platform') || undefined, squash: flags.bool('squash'),
        buildargs: JSON.stringify(buildArgs(flags.list('build-arg'), ctx.env)), labels: JSON.stringify(keyValues(flags.list('label'))),
        cachefrom: flags.list('cache-from').length ? JSON.stringify(flags.list('cache-from')) : undefined,
        extrahosts: flags.list('add-host'), shmsize: shm ? ramInBytes(shm) : undefined, memory: memory ? ramInBytes(memory) : undefined,
      },
    });
    await packing;
    if (!quiet) ctx.stdout.write(`Sending build context to Docker daemon  ${humanSize(sent)}\n`);

    const progress = flags.string('progress');
    if (!['auto', 'plain', 'tty'].includes(progress)) throw new Error(`invalid progress mode: ${progress}`);
    const view = !quiet && (progress === 'tty' || (progress === 'auto' && ctx.stdout.isTTY)) ? new BuildProgressView(ctx.stdout, ctx.stdout.columns) : undefined;
    const show = (text: string) => (view ? view.write(text) : ctx.stdout.write(text));
    let imageId = '';
    let failure: BuildMessage | undefined;
    const decoder = new JsonLinesDecoder((v) => {
      const m = v as BuildMessage;
      if (failure) return;
      if (m.error || m.errorDetail) { failure = m; return; }
      if (m.aux?.ID) imageId = m.aux.ID;
      if (!quiet && m.stream !== undefined) show(m.stream);
      else if (!quiet && m.status !== undefined) show(`${m.status}\n`);
    });
    for await (const chunk of res) decoder.push(chunk as Buffer);
    decoder.end();
    view?.close({ failed: !!failure });
    if (failure) {
      const code = failure.errorDetail?.code;
      throw new StatusError(failure.errorDetail?.message ?? failure.error ?? 'build failed', code && code > 0 ? code : 1);
    }
    if (quiet) ctx.stdout.write(`${imageId}\n`);
    const iidfile = flags.string('iidfile');
    if (iidfile && imageId) await writeFile(iidfile, imageId);
    return 0;
  },
};
