/**
 * moby's dispatchState.setDefaultPath: every stage of a Linux build starts with PATH in its Env (appended when the
 * base image does not set one, scratch included), so RUN finds its programs and the built image records it.
 */
import type { ContainerConfigPart } from '../../oci/index.ts';

/** The PATH moby's system.DefaultPathEnv gives Linux containers. */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Appends the default PATH to the stage's Env when it has none (in place). */
export function setDefaultPath(config: ContainerConfigPart): void {
  const env = config.Env ?? [];
  if (env.some((e) => e.startsWith('PATH='))) return;
  config.Env = [...env, DEFAULT_PATH_ENV];
}
