import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boolFlag, intFlag, listFlag, stringFlag } from './flag-spec.ts';
import { FlagError, parseFlags } from './parse-flags.ts';

const runFlags = [
  boolFlag('interactive', 'i', 'Keep STDIN open'),
  boolFlag('tty', 't', 'Allocate a pseudo-TTY'),
  boolFlag('detach', 'd', 'Run in background'),
  boolFlag('rm', undefined, 'Remove on exit'),
  stringFlag('name', undefined, 'Name'),
  stringFlag('hostname', 'h', 'Hostname'),
  listFlag('env', 'e', 'Env'),
  intFlag('stop-timeout', undefined, 'Timeout'),
];
const run = (argv: string[]) => parseFlags(argv, runFlags, { interspersed: false });

test('combined bool shorthands', () => {
  const p = run(['-itd', 'alpine']);
  assert.equal(p.bool('interactive'), true);
  assert.equal(p.bool('tty'), true);
  assert.equal(p.bool('detach'), true);
  assert.deepEqual(p.args, ['alpine']);
});

test('explicit bool values with =', () => {
  const p = run(['--rm=false', '-i=false', '-t=true', 'img']);
  assert.equal(p.bool('rm'), false);
  assert.equal(p.changed('rm'), true);
  assert.equal(p.bool('interactive'), false);
  assert.equal(p.bool('tty'), true);
});

test('shorthand values: -e=A=1, -eA=1, -e A=1, --env A=1 accumulate', () => {
  const p = run(['-e=A=1', '-eB=2', '-e', 'C=3', '--env', 'D=4', '--env=E=5', 'img']);
  assert.deepEqual(p.list('env'), ['A=1', 'B=2', 'C=3', 'D=4', 'E=5']);
});

test('a shorthand value may follow bool shorthands', () => {
  const p = run(['-ite', 'X=1', 'img']);
  assert.equal(p.bool('interactive'), true);
  assert.deepEqual(p.list('env'), ['X=1']);
});

test('parsing stops at the first positional when not interspersed', () => {
  const p = run(['--rm', 'alpine', 'ls', '-la', '--name', 'x']);
  assert.deepEqual(p.args, ['alpine', 'ls', '-la', '--name', 'x']);
  assert.equal(p.string('name'), '');
});

test('interspersed parsing collects flags after positionals', () => {
  const p = parseFlags(['a', '--rm', 'b'], runFlags);
  assert.deepEqual(p.args, ['a', 'b']);
  assert.equal(p.bool('rm'), true);
});

test('-- ends flag parsing', () => {
  const p = parseFlags(['--rm', '--', '--name', 'x'], runFlags);
  assert.deepEqual(p.args, ['--name', 'x']);
});

test('a lone - is positional', () => {
  assert.deepEqual(parseFlags(['-'], runFlags).args, ['-']);
});

test('non-bool long flag takes the next argument even if it starts with -', () => {
  assert.equal(run(['--name', '-x', 'img']).string('name'), '-x');
});

test('int flags are validated like strconv.ParseInt', () => {
  assert.equal(run(['--stop-timeout', '7', 'img']).int('stop-timeout'), 7);
  assert.throws(() => run(['--stop-timeout', 'abc']), {
    message: 'invalid argument "abc" for "--stop-timeout" flag: strconv.ParseInt: parsing "abc": invalid syntax',
  });
});

test('unknown flags and missing arguments use pflag texts', () => {
  assert.throws(() => run(['--foo']), new FlagError('unknown flag: --foo'));
  assert.throws(() => run(['-x']), { message: "unknown shorthand flag: 'x' in -x" });
  assert.throws(() => run(['-ix']), { message: "unknown shorthand flag: 'x' in -ix" });
  assert.throws(() => run(['--name']), { message: 'flag needs an argument: --name' });
  assert.throws(() => run(['-h']), { message: "flag needs an argument: 'h' in -h" });
  assert.throws(() => run(['--rm=maybe']), { message: /strconv.ParseBool: parsing "maybe"/ });
});

test('--help is always available; -h only when not taken', () => {
  assert.equal(run(['--help']).help, true);
  assert.equal(parseFlags(['-h'], [boolFlag('all', 'a', 'all')]).help, true);
});

test('defaults apply when a flag is not given', () => {
  const p = parseFlags([], [intFlag('last', 'n', 'n', { default: -1 }), stringFlag('tail', 'n2', 't', { default: 'all' })]);
  assert.equal(p.int('last'), -1);
  assert.equal(p.string('tail'), 'all');
  assert.equal(p.changed('last'), false);
});
