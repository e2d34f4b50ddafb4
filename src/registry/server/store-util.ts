/** Small helpers over a StorageDriver shared by the registry stores. */
import { isNotFound } from '../../lib/index.ts';
import type { StorageDriver } from './storage-driver.ts';

export async function exists(d: StorageDriver, p: string): Promise<boolean> {
  try {
    await d.stat(p);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** The digest a link file holds, or undefined when there is no link. */
export async function readLink(d: StorageDriver, p: string): Promise<string | undefined> {
  try {
    return Buffer.from(await d.getContent(p)).toString('utf8').trim();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function writeLink(d: StorageDriver, p: string, digest: string): Promise<void> {
  await d.putContent(p, Buffer.from(digest));
}

/** Child names (last path component) of a directory; empty when it does not exist. */
export async function childNames(d: StorageDriver, p: string): Promise<string[]> {
  try {
    return (await d.list(p)).map((c) => c.slice(c.lastIndexOf('/') + 1));
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
}

export async function deleteIfExists(d: StorageDriver, p: string): Promise<boolean> {
  try {
    await d.delete(p);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

const SHA256_RE = /^sha256:[a-f0-9]{64}$/;
/** The only digest algorithm this registry stores. */
export function isSupportedDigest(d: string): boolean {
  return SHA256_RE.test(d);
}
