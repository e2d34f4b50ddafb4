/**
 * Networking acceptance (issue 3) with the real docker CLI: user networks with DNS, isolation, published ports,
 * connect/disconnect, and a clean kernel afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createSocket } from 'node:dgram';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { networkInterfaces } from 'node:os';
import { Daemon, run } from './harness.ts';

const execFileP = promisify(execFile);

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const hostIp = () => Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)!.address;
const HTTPD = ['sh', '-c', 'mkdir -p /www && echo "hello from $(hostname)" > /www/index.html && exec httpd -f -p 80 -h /www'];

describe('networks with the docker CLI', () => {
  let d: Daemon;
  before(async () => {
    d = await Daemon.start();
    await d.importBusybox();
  });
  after(async () => {
    await d?.stop();
  });

  test('user network: ping and nslookup by name; default bridge has no DNS; inspect lists members', async () => {
    await d.ok(['network', 'create', 'firstnetwork']);
    await d.ok(['run', '-d', '--name', 'redis', '--net', 'firstnetwork', '--network-alias', 'cache', 'busybox', 'sleep', '600']);
    assert.match(await d.ok(['run', '--rm', '--net', 'firstnetwork', 'busybox', 'ping', '-c1', '-W2', 'redis']), /1 packets received/);
    assert.match(await d.ok(['run', '--rm', '--net', 'firstnetwork', 'busybox', 'nslookup', 'redis']), /Name:\s+redis\nAddress: \d+\.\d+\.\d+\.\d+/);
    assert.match(await d.ok(['run', '--rm', '--net', 'firstnetwork', 'busybox', 'nslookup', 'cache']), /Address: /);
    const onBridge = await d.docker(['run', '--rm', 'busybox', 'nslookup', 'redis']);
    assert.notEqual(onBridge.code, 0);
    const ip = await d.ok(['inspect', '-f', '{{.NetworkSettings.Networks.firstnetwork.IPAddress}}', 'redis']);
    const members = JSON.parse(await d.ok(['network', 'inspect', 'firstnetwork', '-f', '{{json .Containers}}']));
    const entry = Object.values(members)[0] as { Name: string; IPv4Address: string; MacAddress: string };
    assert.equal(entry.Name, 'redis');
    assert.equal(entry.IPv4Address.split('/')[0], ip);
    assert.match(entry.MacAddress, /^02:42:/);
    const rmBusy = await d.docker(['network', 'rm', 'firstnetwork']);
    assert.notEqual(rmBusy.code, 0);
    assert.match(rmBusy.stderr, /has active endpoints/);
    await d.ok(['rm', '-f', 'redis']);
    await d.ok(['network', 'rm', 'firstnetwork']);
  });

  test('containers on different user networks cannot reach each other; internal networks have no way out', async () => {
    await d.ok(['network', 'create', 'neta']);
    await d.ok(['network', 'create', 'netb']);
    await d.ok(['network', 'create', '--internal', 'netint']);
    await d.ok(['run', '-d', '--name', 'a1', '--net', 'neta', 'busybox', 'sleep', '600']);
    const a1 = await d.ok(['inspect', '-f', '{{.NetworkSettings.Networks.neta.IPAddress}}', 'a1']);
    const cross = await d.docker(['run', '--rm', '--net', 'netb', 'busybox', 'ping', '-c1', '-W1', a1]);
    assert.notEqual(cross.code, 0);
    const out = await d.docker(['run', '--rm', '--net', 'netint', 'busybox', 'ping', '-c1', '-W1', hostIp()]);
    assert.notEqual(out.code, 0);
    // connect a1's peer to neta and it can reach a1
    await d.ok(['run', '-d', '--name', 'b1', '--net', 'netb', 'busybox', 'sleep', '600']);
    await d.ok(['network', 'connect', 'neta', 'b1']);
    assert.match(await d.ok(['exec', 'b1', 'ping', '-c1', '-W2', 'a1']), /1 packets received/);
    await d.ok(['network', 'disconnect', 'neta', 'b1']);
    assert.notEqual((await d.docker(['exec', 'b1', 'ping', '-c1', '-W1', a1])).code, 0);
    await d.ok(['rm', '-f', 'a1', 'b1']);
    await d.ok(['network', 'rm', 'neta', 'netb', 'netint']);
  });

  test('a container reaches the host (outbound NAT)', async () => {
    assert.match(await d.ok(['run', '--rm', 'busybox', 'ping', '-c1', '-W2', hostIp()]), /1 packets received/);
  });

  test('published ports: fixed, random, docker port, released on rm, conflicts', async () => {
    await d.ok(['run', '-d', '--name', 'web', '-p', '18080:80', 'busybox', ...HTTPD]);
    await d.ok(['run', '-d', '--name', 'web2', '-p', '80', 'busybox', ...HTTPD]);
    const port = Number((await d.ok(['port', 'web2', '80'])).split('\n')[0].split(':').pop());
    assert.ok(port > 1024);
    await new Promise((r) => setTimeout(r, 300));
    assert.match(await httpGet('127.0.0.1', 18080), /hello from/);
    assert.match(await httpGet(hostIp(), 18080), /hello from/);
    assert.match(await httpGet('127.0.0.1', port), /hello from/);
    // from another container, through the host
    assert.match(await d.ok(['run', '--rm', 'busybox', 'wget', '-qO-', `http://${hostIp()}:18080/`]), /hello from/);
    assert.match(await d.ok(['ps', '--filter', 'name=^web$', '--format', '{{.Ports}}']), /0\.0\.0\.0:18080->80\/tcp/);
    const taken = await d.docker(['run', '-d', '--name', 'web3', '-p', '18080:80', 'busybox', 'sleep', '60']);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, /port is already allocated/);
    await d.ok(['rm', '-f', 'web', 'web2', 'web3']);
    await assert.rejects(httpGet('127.0.0.1', 18080));
    await assert.rejects(httpGet('127.0.0.1', port));
  });

  test('published UDP port: its conntrack flows go with the container', async () => {
    // busybox has no UDP server; the flow exists as soon as a datagram is DNAT'd towards the container.
    await d.ok(['run', '-d', '--name', 'udp1', '-p', '19999:9999/udp', 'busybox', 'sleep', '100']);
    const ip = await d.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'udp1']);
    const flows = () => execFileP('conntrack', ['-L', '-p', 'udp', '--orig-port-dst', '19999']).then((r) => r.stdout.trim(), () => '');
    const sock = createSocket('udp4');
    try {
      for (let i = 0; i < 20 && !(await flows()).includes(ip); i++) {
        sock.send('ping\n', 19999, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(await flows(), new RegExp(`dport=19999 .*src=${ip.replaceAll('.', '\\.')} `), 'the datagram was sent on to the container');
      await d.ok(['rm', '-f', 'udp1']);
      assert.equal(await flows(), '', 'no stale UDP flow to the removed container');
    } finally {
      sock.close();
    }
  });

  test('-P publishes every exposed port', async () => {
    await d.ok(['run', '-d', '--name', 'pall', '--expose', '80', '-P', 'busybox', ...HTTPD]);
    const line = await d.ok(['port', 'pall']);
    assert.match(line, /^80\/tcp -> 0\.0\.0\.0:\d+$/m);
    await d.ok(['rm', '-f', 'pall']);
  });

  test('hosts, hostname and resolv.conf as Docker writes them', async () => {
    const out = await d.ok(['run', '--rm', '-h', 'box', '--add-host', 'db.local:10.9.9.9', '--add-host', 'gw:host-gateway', 'busybox', 'sh', '-c', 'cat /etc/hosts; hostname']);
    assert.match(out, /^10\.9\.9\.9\tdb\.local$/m);
    const gateway = await d.ok(['network', 'inspect', 'bridge', '-f', '{{(index .IPAM.Config 0).Gateway}}']);
    assert.match(out, new RegExp(`^${gateway.replace(/\./g, '\\.')}\tgw$`, 'm'));
    assert.match(out, /^\d+\.\d+\.\d+\.\d+\tbox$/m);
    await d.ok(['network', 'create', 'dnsnet']);
    assert.match(await d.ok(['run', '--rm', '--net', 'dnsnet', 'busybox', 'cat', '/etc/resolv.conf']), /nameserver \d+\.\d+\.\d+\.1\n(.*\n)*options.*ndots:0/);
    await d.ok(['network', 'rm', 'dnsnet']);
  });

  test('networks survive a daemon restart; nothing is left in the kernel at the end', async () => {
    const keepId = await d.ok(['network', 'create', 'keep']);
    await d.ok(['run', '-d', '--name', 'k1', '--net', 'keep', '-p', '18081:80', 'busybox', ...HTTPD]);
    await d.kill9();
    await d.launch();
    await new Promise((r) => setTimeout(r, 300));
    assert.match(await httpGet('127.0.0.1', 18081), /hello from/);
    assert.match(await d.ok(['run', '--rm', '--net', 'keep', 'busybox', 'ping', '-c1', '-W2', 'k1']), /1 packets received/);
    await d.ok(['rm', '-f', 'k1']);
    await d.ok(['network', 'rm', 'keep']);
    const links = (await run('ip', ['-o', 'link', 'show'], {})).stdout;
    const bridges = JSON.parse(await d.ok(['network', 'ls', '--format', '{{json .}}']).then((s) => `[${s.split('\n').join(',')}]`)) as { Name: string }[];
    assert.deepEqual(bridges.map((b) => b.Name).sort(), ['bridge', 'host', 'none']);
    assert.ok(!links.includes(`br-${keepId.slice(0, 12)}`), 'the removed network\'s bridge is gone');
    const netns = await readFile('/proc/self/mounts', 'utf8');
    assert.doesNotMatch(netns, new RegExp(`${d.execRoot}/netns/`));
  });

  test('network prune honours until and label filters', async () => {
    await d.ok(['network', 'create', '--label', 'team=a', 'pa']);
    await d.ok(['network', 'create', 'pb']);
    assert.doesNotMatch(await d.ok(['network', 'prune', '-f', '--filter', 'until=1h']), /pa|pb/);
    assert.match(await d.ok(['network', 'prune', '-f', '--filter', 'label=team=a']), /^pa$/m);
    assert.match(await d.ok(['network', 'ls', '--format', '{{.Name}}']), /^pb$/m);
    await d.ok(['network', 'rm', 'pb']);
  });
});
