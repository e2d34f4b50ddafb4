import { after } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FilesystemDriver } from './fs-driver.ts';
import { storageDriverSuite } from './storage-driver.suite.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

storageDriverSuite('FilesystemDriver', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-fsdriver-'));
  dirs.push(dir);
  return new FilesystemDriver(dir);
});
