import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTemplate } from './go-template.ts';

const run = (src: string, data: unknown) => parseTemplate(src).execute(data);
const container = {
  Id: 'abc',
  State: { Running: true, Pid: 42, Status: 'running' },
  Config: { Env: ['A=1', 'B=2'], Labels: { 'com.x': 'y', a: 'b' }, Cmd: ['sh', '-c', 'x'] },
  Names: ['one', 'two'],
};

test('fields and nested fields', () => {
  assert.equal(run('{{.Id}} {{.State.Running}} {{.State.Pid}}', container), 'abc true 42');
  assert.equal(run('{{.Missing}}', container), '<no value>');
});

test('json of values and of dot', () => {
  assert.equal(run('{{json .State}}', container), '{"Running":true,"Pid":42,"Status":"running"}');
  assert.equal(run('{{json .Config.Cmd}}', container), '["sh","-c","x"]');
  assert.equal(run('{{.State | json}}', { State: '<a>' }), '"\\u003ca\\u003e"');
});

test('go fmt printing of slices and maps', () => {
  assert.equal(run('{{.Config.Env}}', container), '[A=1 B=2]');
  assert.equal(run('{{.Config.Labels}}', container), 'map[a:b com.x:y]');
});

test('index, join, upper, lower', () => {
  assert.equal(run('{{index .Config.Labels "com.x"}}', container), 'y');
  assert.equal(run('{{join .Names ","}}', container), 'one,two');
  assert.equal(run('{{upper .State.Status}} {{lower "AB"}}', container), 'RUNNING ab');
});

test('range over slices and maps with variables', () => {
  assert.equal(run('{{range .Names}}[{{.}}]{{end}}', container), '[one][two]');
  assert.equal(run('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', container), 'a=b;com.x=y;');
  assert.equal(run('{{range .Nope}}x{{else}}empty{{end}}', container), 'empty');
});

test('if / else if / else and trim markers', () => {
  assert.equal(run('{{if .State.Running}}up{{else}}down{{end}}', container), 'up');
  assert.equal(run('{{if .State.Paused}}p{{else if .State.Running}}r{{else}}x{{end}}', container), 'r');
  assert.equal(run('a  {{- " b " -}}  c', {}), 'a b c');
  assert.equal(run('{{if not .State.Running}}x{{else}}y{{end}}', container), 'y');
  assert.equal(run('{{if eq .State.Status "running"}}yes{{end}}', container), 'yes');
});

test('method-style fields with arguments', () => {
  const row = { Label: (k: string) => ({ a: '1' } as Record<string, string>)[k] ?? '' };
  assert.equal(run('{{.Label "a"}}', row), '1');
});

test('with and $', () => {
  assert.equal(run('{{with .State}}{{.Pid}} {{$.Id}}{{end}}', container), '42 abc');
});

test('errors for unknown functions', () => {
  assert.throws(() => run('{{nope .}}', {}), /function "nope" not defined/);
});

test('fields of a parenthesised value: (index .List 0).Field', () => {
  const net = { IPAM: { Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1', Aux: { X: 1 } }] } };
  assert.equal(run('{{(index .IPAM.Config 0).Gateway}}', net), '10.0.0.1');
  assert.equal(run('{{(index .IPAM.Config 0).Aux.X}} {{len (index .IPAM.Config 0).Subnet}}', net), '1 11');
  assert.equal(run('{{printf "%s" (index .IPAM.Config 0).Subnet}}', net), '10.0.0.0/24');
});
