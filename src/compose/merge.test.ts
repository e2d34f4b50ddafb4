import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeDocuments, mergeValues } from './merge.ts';
import { parseComposeYaml, stripTags } from './yaml-source.ts';

test('service merge rules', () => {
  const base = { image: 'a', command: ['x', 'y'], environment: ['A=1', 'B=2'], ports: ['80:80'], volumes: ['d:/data', 'e:/e'], labels: { l: '1' } };
  const over = { command: ['z'], environment: { B: '3', C: '4' }, ports: ['81:81'], volumes: ['f:/data'], labels: ['m=2'] };
  assert.deepEqual(mergeValues(base, over), {
    image: 'a', command: ['z'], environment: { A: '1', B: '3', C: '4' }, ports: ['80:80', '81:81'],
    volumes: ['f:/data', 'e:/e'], labels: { l: '1', m: '2' },
  });
});

test('!reset and !override', () => {
  const a = parseComposeYaml('services:\n  web:\n    image: a\n    ports: ["80:80"]\n    environment: {A: "1"}\n', 'a.yaml');
  const b = parseComposeYaml('services:\n  web:\n    ports: !reset []\n    environment: !override {B: "2"}\n', 'b.yaml');
  assert.deepEqual(stripTags(mergeDocuments(a, b)), { services: { web: { image: 'a', environment: { B: '2' } } } });
});
