/** Docker's local volume name rules (moby daemon/volume/local validateName). */
import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../lib/index.ts';

const VALID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function validateVolumeName(name: string): void {
  if (name.length === 1) throw invalidArgument('volume name is too short, names should be at least two alphanumeric characters');
  if (!VALID.test(name)) {
    throw invalidArgument(`"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

/** Name of an anonymous volume: 64 hex characters. */
export function anonymousVolumeName(): string {
  return randomBytes(32).toString('hex');
}

export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';
