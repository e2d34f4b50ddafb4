/**
 * The image a FROM (or COPY --from) names, as dockerd's GetImageAndReleasableLayer finds it for the classic
 * builder: the local image unless `docker build --pull` asked for a fresh one; an image that is not local is
 * pulled, its progress (`latest: Pulling from ...`, per-layer lines, `Status: ...`) going into the build stream.
 */
import { isNotFound, notFound, type Logger } from '../../lib/index.ts';
import { familiarString, parseReference, registryHostOf, withDefaultTag, type ImageConfig } from '../../oci/index.ts';
import type { BuildImages } from './ports.ts';

/** Pulls an image by reference (the daemon's pull, with its registry settings). */
export type BuildPull = (ref: string, o: { progress: (m: object) => void; signal?: AbortSignal; auth?: object }) => Promise<void>;

/** The client's credentials for `domain` out of X-Registry-Config (keyed as the docker CLI stores them). */
export function authFor(configs: Readonly<Record<string, object>> | undefined, domain: string): object | undefined {
  if (!configs) return undefined;
  for (const [address, auth] of Object.entries(configs)) {
    let host: string;
    try {
      host = registryHostOf(address);
    } catch {
      continue;
    }
    if (host === domain) return auth;
  }
  return undefined;
}

export interface BaseImageDeps {
  images: Pick<BuildImages, 'resolve'>;
  /** Absent: images are never pulled (missing ones fail as "No such image"). */
  pull?: BuildPull;
  log: Logger;
}

export interface ResolveBaseOptions {
  /** `docker build --pull`: pull even when the image is present. */
  always: boolean;
  /** The build stream (omit to pull silently, e.g. when quiet). */
  write?: (m: object) => void;
  /** X-Registry-Config's credentials by registry. */
  registryAuth?: Readonly<Record<string, object>>;
  signal?: AbortSignal;
}

export async function resolveBaseImage(d: BaseImageDeps, ref: string, o: ResolveBaseOptions): Promise<{ id: string; config: ImageConfig }> {
  if (!o.always || !d.pull) {
    try {
      return await d.images.resolve(ref);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if (!d.pull) throw missing(ref);
    }
  }
  const parsed = withDefaultTag(parseReference(ref));
  try {
    await d.pull(ref, { progress: o.write ?? (() => undefined), signal: o.signal, auth: authFor(o.registryAuth, parsed.domain) });
  } catch (err) {
    if (o.signal?.aborted) throw err;
    // Docker Hub is not reachable from here; a failed docker.io pull keeps dockerd's Hub answer for a missing
    // repository. Pulls from any other registry report their own error.
    if (parsed.domain === 'docker.io') {
      d.log.info('build: pulling the base image failed', { ref, err: (err as Error).message });
      if (o.always) {
        // --pull with the image present: dockerd fails the build too.
        throw err;
      }
      throw missing(ref);
    }
    throw err;
  }
  return d.images.resolve(ref);
}

/** dockerd's answer for an image on Docker Hub that does not exist (plus the local name Berth looked for). */
function missing(ref: string): Error {
  const name = familiarString(parseReference(ref)).replace(/:[^:/]*$/, '');
  return notFound(`pull access denied for ${name}, repository does not exist or may require 'docker login': No such image: ${familiarString(withDefaultTag(parseReference(ref)))}`);
}
