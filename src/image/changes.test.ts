import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from './changes.ts';
import { isInvalidArgument } from '../lib/errdefs.ts';

test('CMD and ENTRYPOINT in JSON and shell form', () => {
  assert.deepEqual(applyChanges({}, ['CMD ["sh"]']).Cmd, ['sh']);
  assert.deepEqual(applyChanges({}, ['CMD echo hi there']).Cmd, ['/bin/sh', '-c', 'echo hi there']);
  const c = applyChanges({ Cmd: ['old'] }, ['ENTRYPOINT ["/bin/app"]']);
  assert.deepEqual(c.Entrypoint, ['/bin/app']);
  assert.equal(c.Cmd, undefined); // ENTRYPOINT resets an inherited CMD
  assert.deepEqual(applyChanges({}, ['CMD ["x"]', 'ENTRYPOINT top -b']), { Cmd: ['x'], Entrypoint: ['/bin/sh', '-c', 'top -b'] });
});

test('ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL, ONBUILD, HEALTHCHECK', () => {
  const c = applyChanges({ Env: ['PATH=/bin'] }, [
    'ENV A=1 B="two words"', 'env PATH=/usr/bin:$PATH', 'ENV LEGACY some value',
    'LABEL a=b "c d"=e', 'EXPOSE 80 53/udp 1000-1001', 'VOLUME ["/data", "/logs"]', 'VOLUME /x /y',
    'USER nobody', 'WORKDIR /app', 'WORKDIR sub', 'STOPSIGNAL SIGTERM', 'ONBUILD RUN make',
    'HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://localhost/',
  ]);
  assert.deepEqual(c.Env, ['PATH=/usr/bin:/bin', 'A=1', 'B=two words', 'LEGACY=some value']);
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
  assert.deepEqual(Object.keys(c.ExposedPorts!), ['80/tcp', '53/udp', '1000/tcp', '1001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes!), ['/data', '/logs', '/x', '/y']);
  assert.equal(c.User, 'nobody');
  assert.equal(c.WorkingDir, '/app/sub');
  assert.equal(c.StopSignal, 'SIGTERM');
  assert.deepEqual(c.OnBuild, ['RUN make']);
  assert.deepEqual(c.Healthcheck, { Interval: 5e9, Retries: 3, Test: ['CMD-SHELL', 'curl -f http://localhost/'] });
  assert.deepEqual(applyChanges({}, ['HEALTHCHECK NONE']).Healthcheck, { Test: ['NONE'] });
});

test('invalid changes use Docker texts', () => {
  assert.throws(() => applyChanges({}, ['RUN echo']), { message: 'run is not a valid change command' });
  assert.throws(() => applyChanges({}, ['FROM x']), { message: 'from is not a valid change command' });
  assert.throws(() => applyChanges({}, ['STOPSIGNAL SIGNOPE']), { message: 'Invalid signal: SIGNOPE' });
  assert.throws(() => applyChanges({}, ['ONBUILD ONBUILD RUN x']), (e) => isInvalidArgument(e));
  assert.throws(() => applyChanges({}, ['EXPOSE abc']), (e) => isInvalidArgument(e));
});
