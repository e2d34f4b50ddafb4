import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShellLex } from './shell-lex.ts';
import { GlobalScope, expandStage } from './expand.ts';
import { parseDockerfile, stageGraph } from './stages.ts';
import type { Command } from './instructions.ts';

const ENV = new Map([['PWD', '/home'], ['SHELL', 'bash'], ['NULL', '']]);

// Expectations from BuildKit's shell/envVarTest ('error' = must throw).
const WORD_TABLE: [string, string][] = [
  ['hello', 'hello'], ["he'll'o", 'hello'], ["he'llo", 'error'], ["he\\'llo", "he'llo"], ["he\\\\'llo", 'error'],
  ['abc\\tdef', 'abctdef'], ['"abc\\tdef"', 'abc\\tdef'], ['"abc\\\\tdef"', 'abc\\tdef'], ["'abc\\tdef'", 'abc\\tdef'],
  ['hello\\', 'hello'], ['hello\\\\', 'hello\\'], ['"hello', 'error'], ['"hello\\"', 'error'], ['"hel\'lo"', "hel'lo"],
  ["'hello", 'error'], ["'hello\\'", 'hello\\'], ['"\'\'"', "''"], ['$.', '$.'], ['he$1x', 'hex'], ['he$.x', 'he$.x'],
  ['he$pwd.', 'he.'], ['he$PWD', 'he/home'], ['he\\$PWD', 'he$PWD'], ['he\\\\$PWD', 'he\\/home'], ['"he\\$PWD"', 'he$PWD'],
  ['"he\\\\$PWD"', 'he\\/home'], ['\\${}', '${}'], ['\\${}aaa', '${}aaa'], ['he\\${}', 'he${}'], ['${}', 'error'],
  ['he${}xx', 'error'], ['he${hi}', 'he'], ['he${hi}xx', 'hexx'], ['he${PWD}', 'he/home'], ['he${.}', 'error'],
  ['he${XXX:-000}xx', 'he000xx'], ['he${PWD:-000}xx', 'he/homexx'], ['he${XXX:-$PWD}xx', 'he/homexx'],
  ['he${XXX:-${PWD:-yyy}}xx', 'he/homexx'], ['he${XXX:-${YYY:-yyy}}xx', 'heyyyxx'], ['he${XXX:YYY}', 'error'],
  ['he${XXX?}', 'error'], ['he${XXX:?}', 'error'], ['he${PWD?}', 'he/home'], ['he${PWD:?}', 'he/home'],
  ['he${NULL?}', 'he'], ['he${NULL:?}', 'error'], ['he${XXX:+${PWD}}xx', 'hexx'], ['he${PWD:+${XXX}}xx', 'hexx'],
  ['he${PWD:+${SHELL}}xx', 'hebashxx'], ['he${XXX:+000}xx', 'hexx'], ['he${PWD:+000}xx', 'he000xx'],
  ["'he${XX}'", 'he${XX}'], ['"he${PWD}"', 'he/home'], ['"he\'$PWD\'"', "he'/home'"], ['"$PWD"', '/home'],
  ["'$PWD'", '$PWD'], ["'\\$PWD'", '\\$PWD'], ['\'"hello"\'', '"hello"'], ['he${PWD', 'error'], ['he${PWD:=000}xx', 'error'],
  ['he${PWD:+${PWD}:}xx', 'he/home:xx'], ['he${XXX:-\\$PWD:}xx', 'he$PWD:xx'], ['he${XXX:-\\${PWD}z}xx', 'he${PWDz}xx'],
  ['안녕하세요', '안녕하세요'], ["안'녕'하세요", '안녕하세요'], ["안'녕하세요", 'error'], ['안녕\\t하세요', '안녕t하세요'],
  ['${PWD#/h}', 'ome'], ['${PWD#*o}', 'me'], ['${PWD##*o}', 'me'], ['${SHELL%?h}', 'ba'], ['${SHELL%%a*}', 'b'],
  ['${SHELL/a/A}', 'bAsh'], ['${PWD//o/0}', '/h0me'], ['${XXX:#x}', 'error'], ['${XXX-unset}', 'unset'], ['${NULL-x}', ''],
  ['${NULL:-x}', 'x'], ['${XXX+set}', ''], ['${NULL+set}', 'set'], ['${XXX:?custom message}', 'error'],
];

test('ProcessWord table (BuildKit envVarTest)', () => {
  const lex = new ShellLex('\\');
  for (const [input, want] of WORD_TABLE) {
    if (want === 'error') {
      assert.throws(() => lex.processWord(input, ENV), `expected error for ${input}`);
    } else {
      assert.equal(lex.processWord(input, ENV), want, input);
    }
  }
});

test('error texts', () => {
  const lex = new ShellLex('\\');
  assert.throws(() => lex.processWord('${X:?must be set}', ENV), { message: 'failed to process "${X:?must be set}": X: must be set' });
  assert.throws(() => lex.processWord('${X?}', ENV), { message: 'failed to process "${X?}": X: is not allowed to be unset' });
  assert.throws(() => lex.processWord('a${}', ENV), { message: 'failed to process "a${}": syntax error: bad substitution' });
  assert.throws(() => lex.processWord('${PWD', ENV), /missing '}'|unsupported modifier/);
});

test('ProcessWords table (BuildKit wordsTest)', () => {
  const lex = new ShellLex('\\');
  const env = new Map([['hi', 'hi'], ['space', 'abc  def'], ['leading', '  ab c'], ['trailing', 'ab c   ']]);
  const cases: [string, string[] | 'error'][] = [
    ['hello${hi}bye', ['hellohibye']], ['hello${space}bye', ['helloabc', 'defbye']], ['hello"${space}"bye', ['helloabc  defbye']],
    ['hello "${space}"bye', ['hello', 'abc  defbye']], ['hello${leading}def', ['hello', 'ab', 'cdef']],
    ['hello"${leading}" def', ['hello  ab c', 'def']], ['hello${trailing}d', ['helloab', 'c', 'd']],
    ['hello" there  "', ['hello there  ']], ['hello there', ['hello', 'there']], ['hello\\ there', ['hello there']],
    ['hello" there', 'error'], ['hello\\" there', ['hello"', 'there']], ["hello'$there'", ['hello$there']],
  ];
  for (const [input, want] of cases) {
    if (want === 'error') assert.throws(() => lex.processWords(input, env), input);
    else assert.deepEqual(lex.processWords(input, env), want, input);
  }
});

test('backtick escape token', () => {
  const lex = new ShellLex('`');
  assert.equal(lex.processWord('c:\\dir`$PWD', ENV), 'c:\\dir$PWD');
  assert.equal(lex.processWord('"a`"b"', ENV), 'a"b');
});

function stage0(text: string, o: Parameters<typeof expandStage>[2] = {}) {
  const df = parseDockerfile(text);
  return expandStage(df, df.stages[0]!, o);
}
const by = <K extends Command['kind']>(cmds: Command[], k: K) => cmds.filter((c) => c.kind === k) as Extract<Command, { kind: K }>[];

test('which instructions expand', () => {
  const s = stage0([
    'FROM busybox',
    'ENV DIR=/app NAME="my app" EMPTY=',
    'ENV legacy $DIR/legacy',
    'WORKDIR $DIR/sub',
    'COPY --chown=${U:-1000}:g ${NAME}.txt $DIR/',
    'LABEL "k-$DIR"="v $NAME"',
    'EXPOSE ${PORT:-80}/tcp 443',
    'VOLUME $DIR/data',
    'USER ${U:-app}',
    'STOPSIGNAL SIG${S:-TERM}',
    'RUN echo $DIR',
    'CMD echo $DIR',
    'ENTRYPOINT ["$DIR"]',
    'HEALTHCHECK CMD test -d $DIR',
    'ONBUILD RUN echo $DIR',
  ].join('\n'));
  const c = s.commands;
  assert.deepEqual(by(c, 'env')[0]!.env.map((e) => [e.key, e.value]), [['DIR', '/app'], ['NAME', 'my app'], ['EMPTY', '']]);
  assert.deepEqual(by(c, 'env')[1]!.env, [{ key: 'legacy', value: '/app/legacy', noDelim: true }]);
  assert.equal(by(c, 'workdir')[0]!.path, '/app/sub');
  const copy = by(c, 'copy')[0]!;
  assert.deepEqual([copy.chown, copy.sourcePaths, copy.dest], ['1000:g', ['my app.txt'], '/app/']);
  assert.deepEqual(by(c, 'label')[0]!.labels.map((l) => [l.key, l.value]), [['k-/app', 'v my app']]);
  // Sorted as written (Docker sorts before expanding).
  assert.deepEqual(by(c, 'expose')[0]!.ports, ['80/tcp', '443']);
  assert.deepEqual(by(c, 'volume')[0]!.volumes, ['/app/data']);
  assert.equal(by(c, 'user')[0]!.user, 'app');
  assert.equal(by(c, 'stopsignal')[0]!.signal, 'SIGTERM');
  assert.deepEqual(by(c, 'run')[0]!.cmdLine, ['echo $DIR']);
  assert.deepEqual(by(c, 'cmd')[0]!.cmdLine, ['echo $DIR']);
  assert.deepEqual(by(c, 'entrypoint')[0]!.cmdLine, ['$DIR']);
  assert.deepEqual(by(c, 'healthcheck')[0]!.health.test, ['CMD-SHELL', 'test -d $DIR']);
  assert.equal(by(c, 'onbuild')[0]!.expression, 'RUN echo $DIR');
  assert.deepEqual(s.env, ['DIR=/app', 'NAME=my app', 'EMPTY=', 'legacy=/app/legacy']);
});

test('ENV replaces a base image variable in place and sees earlier ones', () => {
  const s = stage0('FROM a\nENV PATH=/opt/bin:$PATH\nENV A=1\nENV B=$A C=$B\n', { env: ['PATH=/usr/bin', 'HOME=/root'] });
  // All assignments of one ENV line see the state before the line (Docker semantics).
  assert.deepEqual(s.env, ['PATH=/opt/bin:/usr/bin', 'HOME=/root', 'A=1', 'B=1', 'C=']);
});

test('ARG scoping: meta args only in FROM, re-declared ARG takes the global value, build-args override', () => {
  const text = [
    'ARG VERSION=1.0',
    'ARG BASE=alpine',
    'FROM ${BASE}:${VERSION} AS one',
    'LABEL before=$VERSION',
    'ARG VERSION',
    'ARG OTHER=dflt',
    'LABEL after=$VERSION other=$OTHER',
    'ENV OTHER=env',
    'LABEL shadow=$OTHER',
  ].join('\n');
  const df = parseDockerfile(text);
  const g = new GlobalScope(df.metaArgs, { buildArgs: { VERSION: '2.0', UNUSED: 'x' } });
  const s = expandStage(df, df.stages[0]!, { global: g });
  assert.equal(s.from.baseName, 'alpine:2.0');
  const labels = by(s.commands, 'label').map((l) => l.labels.map((x) => `${x.key}=${x.value}`).join(' '));
  assert.deepEqual(labels, ['before=', 'after=2.0 other=dflt', 'shadow=env']);
  assert.deepEqual(s.scope.runBuildArgs(), ['VERSION=2.0']);
  assert.equal(g.unusedBuildArgsWarning(), '[Warning] One or more build-args [UNUSED] were not consumed');
  // Without build-args the default applies.
  const s2 = expandStage(df, df.stages[0]!);
  assert.equal(s2.from.baseName, 'alpine:1.0');
});

test('proxy args are always allowed; kept out of the RUN cache key unless declared', () => {
  const df = parseDockerfile('FROM a\nARG FOO\nRUN x\n');
  const s = expandStage(df, df.stages[0]!, { buildArgs: { HTTP_PROXY: 'http://p', FOO: 'bar' } });
  assert.deepEqual(s.scope.runBuildArgs(), ['FOO=bar', 'HTTP_PROXY=http://p']);
  assert.deepEqual(s.scope.runCacheArgs(), ['FOO=bar']);
});

test('platform args: usable in FROM; inside a stage once declared', () => {
  const df = parseDockerfile('FROM --platform=$BUILDPLATFORM golang AS b\nLABEL a=$TARGETARCH\nARG TARGETARCH\nLABEL b=$TARGETARCH\n');
  const s = expandStage(df, df.stages[0]!, { platformArgs: { BUILDPLATFORM: 'linux/amd64', TARGETARCH: 'arm64' } });
  assert.equal(s.from.platform, 'linux/amd64');
  assert.deepEqual(by(s.commands, 'label').map((l) => l.labels[0]!.value), ['', 'arm64']);
});

test('FROM with a blank name; expansion errors carry the line', () => {
  const df = parseDockerfile('ARG X\nFROM $X\n');
  assert.throws(() => expandStage(df, df.stages[0]!), { message: 'base name ($X) should not be blank' });
  const df2 = parseDockerfile('FROM a\nWORKDIR ${DIR:?DIR must be set}\n');
  assert.throws(() => expandStage(df2, df2.stages[0]!), (e: Error & { location?: unknown }) =>
    e.message === 'failed to process "${DIR:?DIR must be set}": DIR: DIR must be set' &&
    JSON.stringify(e.location) === '{"start":2,"end":2}');
});

test('COPY heredoc bodies expand unless the delimiter is quoted; RUN mounts see ARGs', () => {
  const df = parseDockerfile('FROM a\nARG N=world\nCOPY <<EOF <<"RAW" /d/\nhello "$N" \\$x\nEOF\nkeep $N\nRAW\nRUN --mount=type=cache,id=c-$N,target=/c true\n');
  const s = expandStage(df, df.stages[0]!);
  const copy = by(s.commands, 'copy')[0]!;
  assert.deepEqual(copy.sourceContents.map((c) => c.data), ['hello "world" $x\n', 'keep $N\n']);
  assert.equal(by(s.commands, 'run')[0]!.mounts[0]!.id, 'c-world');
});

test('stage graph: FROM stage, COPY --from name/index/image, mount from, target pruning, waves', () => {
  const df = parseDockerfile([
    'ARG TAG=3',
    'FROM alpine:${TAG} AS base',          // 0
    'FROM base AS deps',                    // 1
    'FROM golang AS tools',                 // 2
    'FROM scratch AS unused',               // 3
    'FROM base AS final',                   // 4
    'COPY --from=deps /a /a',
    'COPY --from=2 /b /b',
    'COPY --from=nginx:latest /c /c',
    'RUN --mount=type=bind,from=TOOLS,target=/t true',
  ].join('\n'));
  const g = stageGraph(df, new GlobalScope(df.metaArgs));
  assert.equal(g.target, 4);
  assert.deepEqual(g.nodes[0]!.base, { kind: 'image', ref: 'alpine:3' });
  assert.deepEqual(g.nodes[1]!.base, { kind: 'stage', index: 0 });
  assert.deepEqual(g.nodes[3]!.base, { kind: 'scratch' });
  assert.deepEqual(g.nodes[4]!.dependsOn, [0, 1, 2]);
  assert.deepEqual(g.nodes[4]!.images, ['nginx:latest']);
  assert.deepEqual(g.needed, [0, 1, 2, 4]);
  assert.deepEqual(g.waves, [[0, 2], [1], [4]]);
  const t = stageGraph(df, new GlobalScope(df.metaArgs), { target: 'DEPS' });
  assert.deepEqual([t.target, t.needed, t.waves], [1, [0, 1], [[0], [1]]]);
  assert.throws(() => stageGraph(df, new GlobalScope(df.metaArgs), { target: 'nope' }), { message: 'target stage "nope" could not be found' });
});

test('stage graph errors', () => {
  const g = (t: string) => { const df = parseDockerfile(t); return stageGraph(df, new GlobalScope(df.metaArgs)); };
  assert.throws(() => g('FROM a\nCOPY --from=0 /a /b\n'), { message: 'invalid from flag value 0: refers to current build stage' });
  assert.throws(() => g('FROM a\nCOPY --from=5 /a /b\n'), { message: 'invalid from flag value 5: index out of bounds' });
  assert.throws(() => g('FROM a\nCOPY --from=later /a /b\nFROM b AS later\n'), /cannot copy from stage "later", it needs to be defined before current stage "0"/);
  assert.throws(() => g('FROM a\nCOPY --from=$X /a /b\n'), /variable expansion is not supported for --from/);
  // A FROM naming a later stage is an image, as in the classic builder.
  assert.deepEqual(g('FROM later\nFROM b AS later\n').nodes[0]!.base, { kind: 'image', ref: 'later' });
});
