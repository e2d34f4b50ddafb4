/** Identifiers: 64-hex IDs, Docker-style random names, and name validation. */
import { randomBytes } from 'node:crypto';
import { NAMES_LEFT, NAMES_RIGHT } from './names-data.ts';

export function newId(): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    // Docker avoids IDs that are all digits for the short form, as those could parse as numbers.
    if (!/^\d+$/.test(id.slice(0, 12))) return id;
  }
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** adjective_surname, as Docker's namesgenerator; `retry` > 0 appends a digit. */
export function randomName(retry = 0): string {
  const pick = <T>(xs: readonly T[]) => xs[randomBytes(4).readUInt32BE(0) % xs.length];
  let name = `${pick(NAMES_LEFT)}_${pick(NAMES_RIGHT)}`;
  if (name === 'boring_wozniak') return randomName(retry); // Steve Wozniak is not boring (as in Docker)
  if (retry > 0) name += String(randomBytes(1)[0] % 10);
  return name;
}

/** Docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (with an optional leading slash). */
export const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;
