import { execFile } from '../../lib/index.ts';

/** Lazily unmounts a leftover mount; false when it could not. */
export async function unmountLeftover(target: string): Promise<boolean> {
  const r = await execFile('umount', ['-l', target], { allowFailure: true });
  return r.code === 0;
}
