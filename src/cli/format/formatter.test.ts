import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRows } from './formatter.ts';
import { alignColumns } from './tab-writer.ts';

const headers = { ID: 'CONTAINER ID', Image: 'IMAGE', Names: 'NAMES', Label: 'LABEL' };
const rows = [
  { ID: '0123456789ab', Image: 'alpine', Names: 'web', Label: (k: string) => (k === 'a' ? 'x' : '') },
  { ID: 'ba9876543210', Image: 'busybox:latest', Names: 'db', Label: () => '' },
];

test('tab writer pads columns to widest cell + 3, min 10, last cell unpadded', () => {
  assert.equal(alignColumns('A\tBB\tC\nlonger cell\tx\ty'), 'A             BB        C\nlonger cell   x         y');
});

test('default table with header', () => {
  const out = formatRows(rows, { format: '', defaultTable: '{{.ID}}\t{{.Image}}\t{{.Names}}', headers });
  assert.equal(
    out,
    'CONTAINER ID   IMAGE            NAMES\n' +
    '0123456789ab   alpine           web\n' +
    'ba9876543210   busybox:latest   db\n',
  );
});

test('table with a custom template uses the field titles, even through functions', () => {
  const out = formatRows(rows, { format: 'table {{.Names}}\\t{{upper .Image}}\\t{{.Label "a"}}', defaultTable: '', headers });
  assert.equal(out, 'NAMES     IMAGE            a\nweb       ALPINE           x\ndb        BUSYBOX:LATEST   \n');
});

test('quiet table prints IDs only; raw templates print one line per row without header', () => {
  assert.equal(formatRows(rows, { format: '', quiet: true, defaultTable: 'x', headers }), '0123456789ab\nba9876543210\n');
  assert.equal(formatRows(rows, { format: '{{.Names}}:{{.Image}}', defaultTable: 'x', headers }), 'web:alpine\ndb:busybox:latest\n');
});

test('json prints one object per line', () => {
  assert.equal(formatRows([{ A: 1 }], { format: 'json', defaultTable: '', headers: {} }), '{"A":1}\n');
});

test('table with no rows prints only the header', () => {
  assert.equal(formatRows([], { format: '', defaultTable: '{{.ID}}\t{{.Image}}', headers }), 'CONTAINER ID   IMAGE\n');
});
