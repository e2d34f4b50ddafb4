import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Digest } from '../oci/index.ts';
import { LayerMetadataStore } from './layer-metadata.ts';

const D = (c: string) => `sha256:${c.repeat(64)}` as Digest;
const GZ = 'application/vnd.oci.image.layer.v1.tar+gzip';

test('LayerMetadataStore: most recent blob and repository first, persisted atomically, bounded', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-v2meta-'));
  try {
    const path = join(dir, 'sub/v2metadata.json');
    const s = new LayerMetadataStore(path);
    assert.deepEqual(await s.get(D('a')), []);
    await s.add(D('a'), { digest: D('1'), size: 10, mediaType: GZ }, 'reg:5000/x');
    await s.add(D('a'), { digest: D('1'), size: 10, mediaType: GZ }, 'reg:5000/y');
    await s.add(D('a'), { digest: D('2'), size: 11, mediaType: GZ }, 'other:5000/z');
    const got = await s.get(D('a'));
    assert.deepEqual(got.map((b) => b.digest), [D('2'), D('1')]);
    assert.deepEqual(got[1].repos, ['reg:5000/y', 'reg:5000/x']);
    // A new instance reads what the first wrote; concurrent adds all land.
    await Promise.all(Array.from({ length: 20 }, (_, i) => s.add(D('b'), { digest: D('3'), size: 1, mediaType: GZ }, `reg:5000/r${i}`)));
    const again = new LayerMetadataStore(path);
    assert.equal((await again.get(D('b')))[0].repos.length, 16, 'repositories per blob are bounded');
    assert.equal((await again.get(D('a'))).length, 2);
    assert.deepEqual(JSON.parse(await readFile(path, 'utf8')).v, 1);
    // A damaged file is a lost cache, not an error.
    await writeFile(path, '{"v":1,"lay');
    assert.deepEqual(await new LayerMetadataStore(path).get(D('a')), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
