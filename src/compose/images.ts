/** Images for services: built (POST /build with a tar context) or pulled when missing, and their ids. */
import { isApiError, readJsonMessages } from '../client/index.ts';
import type { ComposeContext } from './context.ts';
import type { Project, Service } from './model.ts';
import { builtImageName } from './labels.ts';

export const serviceImage = (p: Project, s: Service): string => s.image ?? builtImageName(p.name, s.name);

export async function imageId(c: ComposeContext, ref: string): Promise<string | undefined> {
  try {
    return (await c.client.json<{ Id: string }>('GET', `/images/${encodeURIComponent(ref)}/json`)).Id;
  } catch (err) {
    if (isApiError(err) && err.status === 404) return undefined;
    throw err;
  }
}

export async function buildService(c: ComposeContext, p: Project, s: Service, o: { noCache?: boolean; pull?: boolean } = {}): Promise<void> {
  const b = s.build!;
  if (!c.packContext) throw new Error('building needs a context packer');
  const packed = await c.packContext(b.context, b.dockerfile);
  c.progress(` Service ${s.name}  Building`);
  const res = await c.client.request('POST', '/build', {
    headers: { 'Content-Type': 'application/x-tar' },
    body: packed.stream,
    query: {
      t: serviceImage(p, s), dockerfile: packed.dockerfile, target: b.target, nocache: o.noCache || undefined, pull: o.pull || undefined,
      buildargs: JSON.stringify(Object.fromEntries(Object.entries(b.args ?? {}).map(([k, v]) => [k, v ?? p.environment[k] ?? '']))),
      labels: JSON.stringify(b.labels ?? {}),
    },
  });
  await packed.done;
  try {
    await readJsonMessages(res, (m) => {
      if (m.stream) c.buildOutput?.(m.stream);
    });
  } catch (err) {
    throw new Error(`failed to build service "${s.name}": ${(err as Error).message}`);
  }
  c.progress(` Service ${s.name}  Built`);
}

export async function pullImage(c: ComposeContext, ref: string): Promise<void> {
  const [repo, tag] = splitTag(ref);
  const res = await c.client.request('POST', '/images/create', { query: { fromImage: repo, tag: tag ?? 'latest' }, headers: { 'X-Registry-Auth': 'e30=' } });
  await readJsonMessages(res, () => undefined);
}

function splitTag(ref: string): [string, string | undefined] {
  if (ref.includes('@')) return [ref, undefined];
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? [ref.slice(0, colon), ref.slice(colon + 1)] : [ref, undefined];
}

/** Builds or pulls what `up` needs; returns image ids by service. */
export async function ensureImages(c: ComposeContext, p: Project, services: Service[], o: { build?: boolean; noBuild?: boolean }): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const s of services) {
    const ref = serviceImage(p, s);
    let id = await imageId(c, ref);
    if (s.build && !o.noBuild && (o.build || !id)) {
      await buildService(c, p, s);
      id = await imageId(c, ref);
    } else if (!id && !s.build) {
      c.progress(` ${s.name} Pulling`);
      await pullImage(c, ref);
      id = await imageId(c, ref);
    }
    if (!id) throw new Error(`service "${s.name}": image ${ref} not found${s.build ? ' (build it, or drop --no-build)' : ''}`);
    ids.set(s.name, id);
  }
  return ids;
}
