/**
 * The import rules of ARCHITECTURE.md §1, checked on every test run: which module may import which, only
 * through a module's index.ts from outside it, and no deep imports into `internal/`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const SRC = resolve(import.meta.dirname, '../../src');

/** module → modules it may import (besides itself). `api/types` is addressed as its own module. */
const ALLOWED: Record<string, string[]> = {
  lib: [],
  oci: ['lib'],
  archive: ['lib'],
  storage: ['lib', 'oci'],
  runtime: ['lib', 'oci'],
  network: ['lib', 'oci'],
  volume: ['lib', 'oci'],
  registry: ['lib', 'oci'],
  build: ['lib', 'oci', 'archive'],
  image: ['storage', 'registry', 'oci', 'lib'],
  daemon: ['lib', 'oci', 'archive', 'storage', 'runtime', 'network', 'volume', 'registry', 'build', 'image', 'api/types', 'api'],
  api: ['api/types', 'lib', 'oci'],
  'api/types': [],
  client: ['api/types', 'lib', 'oci'],
  cli: ['client', 'api/types', 'lib', 'oci', 'compose'],
  compose: ['client', 'api/types', 'lib', 'oci'],
  cmd: ['*'],
};

function moduleOf(file: string): string {
  const rel = relative(SRC, file);
  if (rel.startsWith('api/types/')) return 'api/types';
  return rel.split('/')[0];
}

function* tsFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* tsFiles(p);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) yield p;
  }
}

test('imports follow the layering rules', () => {
  const violations: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = moduleOf(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)) {
      const target = resolve(dirname(file), m[1]);
      const to = moduleOf(target);
      if (to === from) continue;
      const allowed = ALLOWED[from] ?? [];
      // daemon may use the api's types and backend interfaces only from daemon/backend (moby's rule).
      if (from === 'daemon' && to === 'api' && !relative(SRC, file).startsWith('daemon/backend/') && !/\/api\/(version|types)/.test(target)) {
        violations.push(`${relative(SRC, file)}: daemon code outside daemon/backend imports ${relative(SRC, target)}`);
        continue;
      }
      if (!allowed.includes('*') && !allowed.includes(to)) violations.push(`${relative(SRC, file)}: ${from} may not import ${to} (${m[1]})`);
      if (target.includes('/internal/')) violations.push(`${relative(SRC, file)}: deep import into internal/ (${m[1]})`);
    }
  }
  assert.deepEqual(violations, []);
});
