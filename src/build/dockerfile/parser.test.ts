import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from './parser.ts';
import { parseDockerfile } from './stages.ts';
import type { Command, CopyInstruction, RunInstruction } from './instructions.ts';
import { DockerfileError } from './errors.ts';

function only(text: string): Command {
  const df = parseDockerfile('FROM busybox\n' + text);
  assert.equal(df.stages[0]!.commands.length, 1);
  return df.stages[0]!.commands[0]!;
}

function parseError(text: string): DockerfileError {
  try {
    parseDockerfile(text);
  } catch (err) {
    assert.ok(err instanceof DockerfileError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

test('instruction names are case-insensitive; lines are numbered', () => {
  const df = parseDockerfile('from busybox\n\nrun echo hi\nCmd ["sh"]\n');
  assert.equal(df.stages[0]!.from.baseName, 'busybox');
  const [run, cmd] = df.stages[0]!.commands;
  assert.equal(run!.kind, 'run');
  assert.deepEqual(run!.location, { start: 3, end: 3 });
  assert.equal(cmd!.kind, 'cmd');
  assert.deepEqual(cmd!.location, { start: 4, end: 4 });
});

test('continuations with comment lines and empty lines inside', () => {
  const r = parse('FROM a\nRUN echo a \\\n  # inner comment\n  b \\\n\n  c\nCMD x\n');
  const run = r.nodes[1]!;
  assert.equal(run.original, 'RUN echo a   b   c');
  assert.deepEqual([run.startLine, run.endLine], [2, 6]);
  assert.deepEqual([r.nodes[2]!.startLine], [7]);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0]!.short, 'Empty continuation line found in: RUN echo a   b   c');
});

test('escape directive switches the continuation token', () => {
  const r = parse('# escape=`\nFROM a\nRUN dir c:\\ `\n  /s\n');
  assert.equal(r.escapeToken, '`');
  assert.equal(r.nodes[1]!.original, 'RUN dir c:\\   /s');
  assert.deepEqual(r.directives.map((d) => d.name), ['escape']);
});

test('directives only at the top; syntax and check accepted; repeats rejected', () => {
  const r = parse('# syntax=docker/dockerfile:1\n# check=skip=all\nFROM a\n# escape=`\nRUN a \\\n b\n');
  assert.equal(r.escapeToken, '\\');
  assert.equal(r.nodes[1]!.original, 'RUN a  b');
  assert.throws(() => parse('# escape=\\\n# escape=`\nFROM a\n'), /failed to parse Dockerfile: only one escape parser directive can be used/);
  assert.throws(() => parse('# escape=x\nFROM a\n'), /invalid escape token 'x' does not match ` or \\/);
  // After a comment that is not a directive, directives are plain comments.
  assert.equal(parse('# hello\n# escape=`\nFROM a\nRUN a \\\n b\n').escapeToken, '\\');
});

test('comments are attached to the next instruction; BOM stripped', () => {
  const r = parse('\uFEFF# first\n# second\nFROM a\n');
  assert.deepEqual(r.nodes[0]!.comments, ['first', 'second']);
});

test('file with no instructions', () => {
  assert.throws(() => parse('# just a comment\n\n'), (e: DockerfileError) => e.message === 'failed to parse Dockerfile: file with no instructions');
});

test('unknown instruction, with Docker suggestion and line', () => {
  const e = parseError('FROM a\nRUN x\nFORM b\n');
  assert.equal(e.message, 'dockerfile parse error on line 3: unknown instruction: FORM (did you mean FROM?)');
  assert.deepEqual(e.location, { start: 3, end: 3 });
  assert.equal(parseError('FROM a\nFOOBAR x\n').message, 'dockerfile parse error on line 2: unknown instruction: FOOBAR');
});

test('instruction before FROM', () => {
  assert.equal(parseError('RUN x\n').message, 'no build stage in current context');
});

test('JSON vs shell form; invalid JSON falls back to shell form', () => {
  const a = only('CMD ["echo", "a  b"]') as Extract<Command, { kind: 'cmd' }>;
  assert.deepEqual(a.cmdLine, ['echo', 'a  b']);
  assert.equal(a.prependShell, false);
  const b = only('CMD [echo, hi]') as Extract<Command, { kind: 'cmd' }>;
  assert.deepEqual(b.cmdLine, ['[echo, hi]']);
  assert.equal(b.prependShell, true);
  const c = only("ENTRYPOINT ['single']") as Extract<Command, { kind: 'entrypoint' }>;
  assert.deepEqual(c.cmdLine, ["['single']"]);
  assert.match(parseError('FROM a\nCMD ["a", 1]\n').message, /failed to parse Dockerfile: when using JSON array syntax, arrays must be comprised of strings only/);
  const d = only('ENTRYPOINT []') as Extract<Command, { kind: 'entrypoint' }>;
  assert.equal(d.cmdLine, null);
});

test('RUN shell text is kept verbatim, never expanded', () => {
  const r = only('RUN echo "$HOME" \'$x\'  && ls') as RunInstruction;
  assert.deepEqual(r.cmdLine, ['echo "$HOME" \'$x\'  && ls']);
});

test('RUN flags: mounts, network, security', () => {
  const r = only('RUN --mount=type=cache,target=/root/.cache,id=pip,sharing=locked --mount=type=secret,id=tok,required --network=none --mount=type=tmpfs,target=/t,size=64m true') as RunInstruction;
  assert.deepEqual(r.cmdLine, ['true']);
  assert.equal(r.network, 'none');
  assert.deepEqual(r.mounts, [
    { type: 'cache', target: '/root/.cache', id: 'pip', sharing: 'locked', readOnly: false, sizeLimit: 0, required: false },
    { type: 'secret', id: 'tok', readOnly: true, sizeLimit: 0, required: true },
    { type: 'tmpfs', target: '/t', readOnly: false, sizeLimit: 64 * 1024 * 1024, required: false },
  ]);
  assert.deepEqual(r.flagsUsed.sort(), ['mount', 'network']);
  const b = only('RUN --mount=type=bind,from=builder,source=/out,target=/in make') as RunInstruction;
  assert.deepEqual(b.mounts[0], { type: 'bind', from: 'builder', source: '/out', target: '/in', readOnly: true, sizeLimit: 0, required: false });
  assert.match(parseError('FROM a\nRUN --network=bridge x\n').message, /^dockerfile parse error on line 2: invalid network mode "bridge"$/);
  assert.match(parseError('FROM a\nRUN --mount=type=bnd x\n').message, /unsupported mount type "bnd" \(did you mean bind\?\)/);
  assert.match(parseError('FROM a\nRUN --mount=type=bind,from=$X,target=/a x\n').message, /'from' doesn't support variable expansion/);
  assert.match(parseError('FROM a\nRUN --mount=type=bind,target=/a,uid=1 x\n').message, /uid not allowed for "bind" type mounts/);
  // A mount needing variables is parsed by the evaluator.
  const v = only('RUN --mount=type=$T,target=/a x') as RunInstruction;
  assert.deepEqual(v.mountSpecs, ['type=$T,target=/a']);
  assert.deepEqual(v.mounts, []);
});

test('flag errors in Docker words', () => {
  assert.equal(parseError('FROM a\nCOPY --form=x a b\n').message, 'dockerfile parse error on line 2: unknown flag: --form (did you mean from?)');
  assert.equal(parseError('FROM a\nCOPY --from=x --from=y a b\n').message, 'dockerfile parse error on line 2: duplicate flag specified: --from');
  assert.equal(parseError('FROM a\nCOPY --from a b\n').message, 'dockerfile parse error on line 2: missing a value on flag: --from');
  assert.equal(parseError('FROM a\nCOPY --link=maybe a b\n').message, 'dockerfile parse error on line 2: expecting boolean value for flag --link, not: maybe');
  assert.equal(parseError('FROM a\nENV --x=1 a=b\n').message, 'dockerfile parse error on line 2: unknown flag: --x');
});

test('COPY and ADD: sources, dest, flags, JSON form', () => {
  const c = only('COPY --from=build --chown=1:2 --chmod=644 --link a.txt "b c" /dst/') as CopyInstruction;
  assert.deepEqual(c.sourcePaths, ['a.txt', '"b', 'c"']);
  assert.equal(c.dest, '/dst/');
  assert.deepEqual([c.from, c.chown, c.chmod, c.link], ['build', '1:2', '644', true]);
  const j = only('COPY ["a b", "/x y/"]') as CopyInstruction;
  assert.deepEqual(j.sourcePaths, ['a b']);
  assert.equal(j.dest, '/x y/');
  const a = only('ADD --checksum=sha256:abc --keep-git-dir=true https://x/y.tgz /y') as Extract<Command, { kind: 'add' }>;
  assert.deepEqual([a.checksum, a.keepGitDir, a.unpack], ['sha256:abc', true, undefined]);
  assert.equal(parseError('FROM a\nCOPY onlyone\n').message,
    'dockerfile parse error on line 2: COPY requires at least two arguments, but only one was provided. Destination could not be determined');
});

test('heredocs: RUN, chomp, quoted delimiter, several on a line, COPY', () => {
  const df = parseDockerfile([
    'FROM a',
    'RUN <<EOF',
    'echo $HOME',
    'EOF',
    'RUN <<-"END" python3',
    '\tprint(1)',
    '\tEND',
    'RUN cat <<A <<\'B\' > /x',
    'a',
    'A',
    'b',
    'B',
    'COPY <<F1 <<-F2 /dest/',
    'one',
    'F1',
    '\ttwo',
    '\tF2',
    'CMD done',
  ].join('\n') + '\n');
  const [r1, r2, r3, c, last] = df.stages[0]!.commands as [RunInstruction, RunInstruction, RunInstruction, CopyInstruction, Command];
  assert.deepEqual(r1.cmdLine, ['<<EOF']);
  assert.deepEqual(r1.files, [{ name: 'EOF', data: 'echo $HOME\n', chomp: false, expand: true, fileDescriptor: 0 }]);
  assert.deepEqual(r1.location, { start: 2, end: 4 });
  assert.deepEqual(r2.files, [{ name: 'END', data: '\tprint(1)\n', chomp: true, expand: false, fileDescriptor: 0 }]);
  assert.deepEqual(r3.files.map((f) => [f.name, f.data, f.expand]), [['A', 'a\n', true], ['B', 'b\n', false]]);
  assert.deepEqual(c.sourceContents, [{ path: 'F1', data: 'one\n', expand: true }, { path: 'F2', data: 'two\n', expand: true }]);
  assert.deepEqual(c.sourcePaths, []);
  assert.equal(c.dest, '/dest/');
  assert.deepEqual(last.location, { start: 18, end: 18 });
  // JSON form has no heredocs; unterminated heredoc is a parse error.
  const j = parseDockerfile('FROM a\nRUN ["cat", "<<EOF"]\nCMD x\n').stages[0]!.commands;
  assert.equal(j.length, 2);
  assert.equal(parseError('FROM a\nRUN <<EOF\necho\n').message, 'failed to parse Dockerfile: unterminated heredoc');
  assert.equal(parseError('FROM a\nCOPY a <<EOF\nx\nEOF\n').message, 'dockerfile parse error on line 2: COPY cannot accept a heredoc as a destination');
});

test('ENV: both forms, validation', () => {
  const e = only('ENV A=1 B="two words" C=') as Extract<Command, { kind: 'env' }>;
  assert.deepEqual(e.env, [
    { key: 'A', value: '1', noDelim: false }, { key: 'B', value: '"two words"', noDelim: false }, { key: 'C', value: '', noDelim: false },
  ]);
  const l = only('ENV PATH /usr/bin:/bin  more words') as Extract<Command, { kind: 'env' }>;
  assert.deepEqual(l.env, [{ key: 'PATH', value: '/usr/bin:/bin  more words', noDelim: true }]);
  assert.equal(parseError('FROM a\nENV =x\n').message, 'dockerfile parse error on line 2: ENV names can not be blank');
  assert.equal(parseError('FROM a\nENV a=1 x\n').message,
    'failed to parse Dockerfile: Syntax error - can\'t find = in "x". Must be of the form: name=value');
  assert.equal(parseError('FROM a\nENV lonely\n').message, 'failed to parse Dockerfile: ENV must have two arguments');
  assert.equal(parseError('FROM a\nENV\n').message, 'dockerfile parse error on line 2: ENV requires at least one argument');
});

test('LABEL, ARG, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, MAINTAINER, SHELL', () => {
  const lab = only('LABEL a=b "c d"="e f"') as Extract<Command, { kind: 'label' }>;
  assert.deepEqual(lab.labels.map((x) => [x.key, x.value]), [['a', 'b'], ['"c d"', '"e f"']]);
  assert.equal(parseError('FROM a\nLABEL\n').message, 'dockerfile parse error on line 2: LABEL requires at least one argument');
  const arg = only('ARG A B=2 C=') as Extract<Command, { kind: 'arg' }>;
  assert.deepEqual(arg.args, [{ key: 'A', value: undefined }, { key: 'B', value: '2' }, { key: 'C', value: '' }]);
  assert.equal(parseError('FROM a\nARG =1\n').message, 'dockerfile parse error on line 2: ARG names can not be blank');
  const ex = only('EXPOSE 8080/udp 80') as Extract<Command, { kind: 'expose' }>;
  assert.deepEqual(ex.ports, ['80', '8080/udp']);
  assert.deepEqual((only('VOLUME ["/a", "/b"]') as Extract<Command, { kind: 'volume' }>).volumes, ['/a', '/b']);
  assert.deepEqual((only('VOLUME /a /b') as Extract<Command, { kind: 'volume' }>).volumes, ['/a', '/b']);
  assert.equal(parseError('FROM a\nVOLUME [""]\n').message, 'dockerfile parse error on line 2: VOLUME specified can not be an empty string');
  assert.equal((only('USER app:app') as Extract<Command, { kind: 'user' }>).user, 'app:app');
  assert.equal(parseError('FROM a\nUSER\n').message, 'dockerfile parse error on line 2: USER requires exactly one argument');
  assert.equal((only('WORKDIR /a b') as Extract<Command, { kind: 'workdir' }>).path, '/a b');
  assert.equal((only('STOPSIGNAL SIGKILL') as Extract<Command, { kind: 'stopsignal' }>).signal, 'SIGKILL');
  assert.equal((only('MAINTAINER Jane <j@x>') as Extract<Command, { kind: 'maintainer' }>).maintainer, 'Jane <j@x>');
  assert.deepEqual((only('SHELL ["/bin/bash", "-c"]') as Extract<Command, { kind: 'shell' }>).shell, ['/bin/bash', '-c']);
  assert.equal(parseError('FROM a\nSHELL /bin/bash -c\n').message, 'dockerfile parse error on line 2: SHELL requires the arguments to be in JSON form');
});

test('FROM: AS name, --platform, validation', () => {
  const df = parseDockerfile('FROM --platform=$BUILDPLATFORM golang:1 As Builder\nFROM builder\n');
  assert.deepEqual([df.stages[0]!.name, df.stages[0]!.from.platform, df.stages[0]!.from.baseName], ['builder', '$BUILDPLATFORM', 'golang:1']);
  assert.equal(parseError('FROM a b\n').message, 'dockerfile parse error on line 1: FROM requires either one or three arguments');
  assert.equal(parseError('FROM a AS 1x\n').message,
    'dockerfile parse error on line 1: invalid name for build stage: "1x", name can\'t start with a number or contain symbols');
});

test('HEALTHCHECK: NONE, CMD forms, durations and retries', () => {
  const h = only('HEALTHCHECK --interval=5s --timeout=1m30s --start-period=100ms --start-interval=1.5s --retries=3 CMD curl -f http://x/ || exit 1') as Extract<Command, { kind: 'healthcheck' }>;
  assert.deepEqual(h.health, {
    test: ['CMD-SHELL', 'curl -f http://x/ || exit 1'], interval: 5e9, timeout: 90e9, startPeriod: 100e6, startInterval: 1.5e9, retries: 3,
  });
  const j = only('HEALTHCHECK CMD ["/bin/check", "-q"]') as Extract<Command, { kind: 'healthcheck' }>;
  assert.deepEqual(j.health.test, ['CMD', '/bin/check', '-q']);
  assert.deepEqual((only('healthcheck none') as Extract<Command, { kind: 'healthcheck' }>).health.test, ['NONE']);
  assert.equal(parseError('FROM a\nHEALTHCHECK NONE x\n').message, 'dockerfile parse error on line 2: HEALTHCHECK NONE takes no arguments');
  assert.equal(parseError('FROM a\nHEALTHCHECK FOO x\n').message, 'dockerfile parse error on line 2: Unknown type "FOO" in HEALTHCHECK (try CMD)');
  assert.equal(parseError('FROM a\nHEALTHCHECK CMD\n').message, 'dockerfile parse error on line 2: Missing command after HEALTHCHECK CMD');
  assert.equal(parseError('FROM a\nHEALTHCHECK --interval=10us CMD x\n').message, 'dockerfile parse error on line 2: Interval "interval" cannot be less than 1ms');
  assert.equal(parseError('FROM a\nHEALTHCHECK --timeout=5 CMD x\n').message, 'dockerfile parse error on line 2: time: missing unit in duration "5"');
  assert.equal(parseError('FROM a\nHEALTHCHECK --retries=-1 CMD x\n').message, 'dockerfile parse error on line 2: --retries cannot be negative (-1)');
});

test('ONBUILD wraps an instruction; chaining and FROM/MAINTAINER forbidden', () => {
  const o = only('ONBUILD RUN echo $X') as Extract<Command, { kind: 'onbuild' }>;
  assert.equal(o.expression, 'RUN echo $X');
  const h = parseDockerfile('FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n').stages[0]!.commands[0] as Extract<Command, { kind: 'onbuild' }>;
  assert.equal(h.expression, 'RUN <<EOF\necho hi\nEOF');
  assert.equal(parseError('FROM a\nONBUILD ONBUILD RUN x\n').message, 'dockerfile parse error on line 2: Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
  assert.equal(parseError('FROM a\nonbuild from x\n').message, 'dockerfile parse error on line 2: FROM isn\'t allowed as an ONBUILD trigger');
  assert.equal(parseError('FROM a\nONBUILD MAINTAINER x\n').message, 'dockerfile parse error on line 2: MAINTAINER isn\'t allowed as an ONBUILD trigger');
});

test('stages and meta args', () => {
  const df = parseDockerfile('ARG V=1\nARG W\nFROM a AS one\nRUN x\nFROM one\nARG V\n');
  assert.deepEqual(df.metaArgs.map((a) => a.args[0]!.key), ['V', 'W']);
  assert.deepEqual(df.stages.map((s) => [s.index, s.name, s.commands.length]), [[0, 'one', 1], [1, '', 1]]);
});

test('RUN heredocs become processes as BuildKit runs them', async () => {
  const { runProcess, formatWarnings } = await import('./run-heredoc.ts');
  const df = parseDockerfile('FROM a\nRUN <<EOF\necho hi\nEOF\nRUN <<-S\n\t#!/usr/bin/env python3\n\tprint(1)\n\tS\nRUN cat <<A > /f\nx\nA\nRUN ["a", "b"]\n');
  const [r1, r2, r3, r4] = df.stages[0]!.commands as RunInstruction[];
  assert.deepEqual(runProcess(r1!), { args: ['echo hi\n'], prependShell: true, pipeFiles: [] });
  assert.deepEqual(runProcess(r2!), {
    args: ['/dev/pipes/S'], prependShell: false, pipeFiles: [{ name: 'S', data: '#!/usr/bin/env python3\nprint(1)\n', mode: 0o755 }],
  });
  assert.deepEqual(runProcess(r3!).args, ['cat <<A > /f\nx\nA']);
  assert.deepEqual(runProcess(r4!), { args: ['a', 'b'], prependShell: false, pipeFiles: [] });
  assert.deepEqual(formatWarnings(parse('FROM a\nRUN a \\\n\n b\n').warnings), [
    '[WARNING]: Empty continuation line found in: RUN a  b',
    '[WARNING]: Empty continuation lines will become errors in a future release.',
  ]);
});
