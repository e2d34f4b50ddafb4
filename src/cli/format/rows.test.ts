import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRows } from './formatter.ts';
import { CONTAINER_HEADERS, ContainerRow, DEFAULT_PS_TABLE, displayPorts, ellipsis } from './container-row.ts';
import { DEFAULT_IMAGES_TABLE, IMAGE_HEADERS, imageRows } from './image-row.ts';

const now = 1_700_000_000_000;
const summary = {
  Id: '4f66ad9a0b2e0b3c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c',
  Names: ['/web'],
  Image: 'alpine',
  Command: 'sleep 1000000000000000000',
  Created: now / 1000 - 75,
  State: 'running',
  Status: 'Up About a minute',
  Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { PrivatePort: 443, Type: 'tcp' }],
  Labels: { a: '1', b: '2' },
  SizeRw: 1200,
  SizeRootFs: 7_800_000,
};

test('ps default table: ID truncated, command quoted and cut to 20 with …', () => {
  const out = formatRows([new ContainerRow(summary, { trunc: true, now })], { format: '', defaultTable: DEFAULT_PS_TABLE, headers: CONTAINER_HEADERS });
  const [header, row] = out.split('\n');
  assert.equal(header, 'CONTAINER ID   IMAGE     COMMAND                  CREATED              STATUS              PORTS                           NAMES');
  assert.equal(row, '4f66ad9a0b2e   alpine    "sleep 1000000000000…"   About a minute ago   Up About a minute   443/tcp, 0.0.0.0:8080->80/tcp   web');
});

test('ps --no-trunc keeps the full ID and command; fields for --format', () => {
  const row = new ContainerRow(summary, { trunc: false, now });
  assert.equal(row.ID, summary.Id);
  assert.equal(row.Command, '"sleep 1000000000000000000"');
  assert.equal(row.Size, '1.2kB (virtual 7.8MB)');
  assert.equal(row.Labels, 'a=1,b=2');
  assert.equal(formatRows([row], { format: '{{.Names}} {{.Label "b"}} {{.State}}', defaultTable: '', headers: CONTAINER_HEADERS }), 'web 2 running\n');
  const json = JSON.parse(formatRows([row], { format: '{{json .}}', defaultTable: '', headers: CONTAINER_HEADERS }));
  assert.equal(json.Names, 'web');
  assert.equal(json.RunningFor, 'About a minute ago');
});

test('ellipsis cuts by characters', () => {
  assert.equal(ellipsis('abcdef', 4), 'abc…');
  assert.equal(ellipsis('abc', 4), 'abc');
});

test('images rows: one per tag, <none> for untagged, sizes with 3 digits', () => {
  const images = [
    { Id: 'sha256:' + 'a'.repeat(64), RepoTags: ['alpine:3.20', 'alpine:latest'], RepoDigests: ['alpine@sha256:' + 'd'.repeat(64)], Created: now / 1000 - 3 * 86400, Size: 7_797_760 },
    { Id: 'sha256:' + 'b'.repeat(64), RepoTags: [], RepoDigests: [], Created: now / 1000 - 30, Size: 1234 },
  ];
  const out = formatRows(imageRows(images, { trunc: true, digests: false, now }), { format: '', defaultTable: DEFAULT_IMAGES_TABLE, headers: IMAGE_HEADERS });
  assert.equal(
    out,
    'REPOSITORY   TAG       IMAGE ID       CREATED          SIZE\n' +
    'alpine       3.20      aaaaaaaaaaaa   3 days ago       7.8MB\n' +
    'alpine       latest    aaaaaaaaaaaa   3 days ago       7.8MB\n' +
    '<none>       <none>    bbbbbbbbbbbb   30 seconds ago   1.23kB\n',
  );
});

test('ports: unpublished ranges grouped before host mappings', () => {
  const ports = [
    { PrivatePort: 81, Type: 'tcp' }, { PrivatePort: 80, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' },
    { IP: '::', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { IP: '0.0.0.0', PrivatePort: 9000, PublicPort: 9000, Type: 'tcp' },
  ];
  assert.equal(displayPorts(ports), '53/udp, 80-81/tcp, 0.0.0.0:9000->9000/tcp, [::]:8080->80/tcp');
});
