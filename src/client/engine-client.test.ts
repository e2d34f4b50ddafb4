import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { frame, StdStream } from '../lib/streams/stdcopy.ts';
import { EngineClient, encodeQuery, lowerVersion } from './engine-client.ts';
import { ApiError, ConnectionError, StreamError } from './api-error.ts';
import { parseHost, selectHost } from './host.ts';
import { readJsonMessages } from './json-messages.ts';
import { pumpHijacked } from './hijacked-streams.ts';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function withServer(
  o: { apiVersion?: string; handler: Handler; upgrade?: (req: http.IncomingMessage, socket: import('node:net').Socket) => void },
  fn: (client: EngineClient, seen: string[]) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-client-'));
  const socketPath = join(dir, 's.sock');
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    if (req.url === '/_ping') {
      res.setHeader('API-Version', o.apiVersion ?? '1.50');
      res.end('OK');
      return;
    }
    o.handler(req, res);
  });
  server.on('upgrade', (req, socket) => {
    seen.push(`UPGRADE ${req.method} ${req.url} ${req.headers.upgrade}`);
    o.upgrade?.(req, socket as import('node:net').Socket);
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
  const client = new EngineClient({ address: parseHost(`unix://${socketPath}`) });
  try {
    await fn(client, seen);
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

const collect = () => {
  const chunks: Buffer[] = [];
  const w = new Writable({ write(c, _e, cb) { chunks.push(c); cb(); } });
  return { w, text: () => Buffer.concat(chunks).toString() };
};

test('host selection order and parsing', () => {
  assert.equal(selectHost('unix:///a', { BERTH_HOST: 'unix:///b' }), 'unix:///a');
  assert.equal(selectHost(undefined, { BERTH_HOST: 'unix:///b', DOCKER_HOST: 'unix:///c' }), 'unix:///b');
  assert.equal(selectHost(undefined, { DOCKER_HOST: 'unix:///c' }), 'unix:///c');
  assert.equal(selectHost(undefined, {}), 'unix:///run/berth/berth.sock');
  assert.deepEqual(parseHost('tcp://127.0.0.1:2375'), { kind: 'tcp', hostname: '127.0.0.1', port: 2375, url: 'tcp://127.0.0.1:2375' });
  assert.equal(parseHost('unix:///x.sock').kind, 'unix');
  assert.throws(() => parseHost('ssh://x'));
});

test('query encoding and version comparison', () => {
  assert.equal(encodeQuery({ all: true, size: false, n: 3, f: ['a', 'b'], x: undefined }), '?all=1&n=3&f=a&f=b');
  assert.equal(lowerVersion('1.45', '1.50'), '1.45');
  assert.equal(lowerVersion('1.51', '1.50'), '1.50');
});

test('negotiates down to the daemon API version and sends JSON', async () => {
  await withServer(
    {
      apiVersion: '1.45',
      handler: (req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => res.end(JSON.stringify({ got: JSON.parse(body || 'null'), ct: req.headers['content-type'] })));
      },
    },
    async (client, seen) => {
      const r = await client.json<{ got: unknown; ct: string }>('POST', '/containers/create', { query: { name: 'x' }, body: { Image: 'a' } });
      assert.deepEqual(r, { got: { Image: 'a' }, ct: 'application/json' });
      assert.deepEqual(seen, ['GET /_ping', 'POST /v1.45/containers/create?name=x']);
    },
  );
});

test('error bodies become ApiError with status and message', async () => {
  await withServer(
    { handler: (_req, res) => { res.statusCode = 404; res.end('{"message":"No such container: nope"}'); } },
    async (client) => {
      await assert.rejects(client.json('GET', '/containers/nope/json'), (e: unknown) => {
        assert.ok(e instanceof ApiError);
        assert.equal(e.status, 404);
        assert.equal(e.kind, 'not-found');
        assert.equal(e.message, 'No such container: nope');
        return true;
      });
    },
  );
});

test('connection failures say the daemon cannot be reached', async () => {
  const client = new EngineClient({ address: parseHost('unix:///nonexistent/berth.sock') });
  await assert.rejects(client.ping(), (e: unknown) => e instanceof ConnectionError && /Cannot connect to the Docker daemon at unix:\/\/\/nonexistent\/berth.sock/.test((e as Error).message));
});

test('JSON message streams deliver messages and fail on errorDetail', async () => {
  const ok = new PassThrough();
  ok.end('{"status":"Pulling from library/alpine","id":"latest"}\n{"status":"Done"}\n');
  const got: string[] = [];
  await readJsonMessages(ok, (m) => got.push(m.status ?? ''));
  assert.deepEqual(got, ['Pulling from library/alpine', 'Done']);
  const bad = new PassThrough();
  bad.end('{"status":"a"}\n{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}\n');
  await assert.rejects(readJsonMessages(bad, () => {}), new StreamError('manifest unknown'));
});

test('hijack: 101 upgrade, stdcopy demux, half-close keeps reading until the server closes', async () => {
  await withServer(
    {
      handler: () => {},
      upgrade: (req, socket) => {
        socket.write('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n');
        socket.write(frame(StdStream.Stdout, Buffer.from('hello ')));
        let input = '';
        socket.on('data', (c) => (input += c));
        socket.on('end', () => {
          // stdin reached EOF on the client: answer after the half-close, then close
          socket.write(frame(StdStream.Stdout, Buffer.from(`got:${input}`)));
          socket.write(frame(StdStream.Stderr, Buffer.from('warn')));
          socket.end();
        });
      },
    },
    async (client, seen) => {
      const conn = await client.hijack('POST', '/containers/c1/attach', { query: { stream: true, stdin: true } });
      assert.equal(conn.contentType, 'application/vnd.docker.multiplexed-stream');
      const stdin = new PassThrough();
      const out = collect();
      const err = collect();
      const done = pumpHijacked(conn, { tty: false, stdin, stdout: out.w, stderr: err.w });
      stdin.end('abc');
      await done;
      assert.equal(out.text(), 'hello got:abc');
      assert.equal(err.text(), 'warn');
      assert.ok(seen.includes('UPGRADE POST /v1.50/containers/c1/attach?stream=1&stdin=1 tcp'));
    },
  );
});

test('hijack: raw stream with a TTY; a 404 reply is an ApiError', async () => {
  await withServer(
    {
      handler: (_req, res) => { res.statusCode = 404; res.end('{"message":"No such exec instance: x"}'); },
      upgrade: (req, socket) => {
        if (req.url?.includes('missing')) {
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 38\r\n\r\n{"message":"No such exec instance: x"}');
          return;
        }
        socket.end('HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nraw\r\nbytes');
      },
    },
    async (client) => {
      const conn = await client.hijack('POST', '/exec/e1/start', { body: { Detach: false, Tty: true } });
      const out = collect();
      await pumpHijacked(conn, { tty: true, stdout: out.w });
      assert.equal(out.text(), 'raw\r\nbytes');
      await assert.rejects(client.hijack('POST', '/exec/missing/start'), (e: unknown) => e instanceof ApiError && e.status === 404 && e.message === 'No such exec instance: x');
    },
  );
});
