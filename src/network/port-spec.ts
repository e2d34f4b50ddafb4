/**
 * Docker's `-p` syntax, [ip:][hostPort:]containerPort[/proto], with ranges on either side (as go-connections
 * nat.ParsePortSpec, including its error texts). Pure: used by the CLI and the daemon.
 */
import { isIP } from 'node:net';
import { invalidArgument } from '../lib/index.ts';
import type { PortBinding, PortProto } from './types.ts';

export function parsePortSpec(spec: string): PortBinding[] {
  const [rawIp, hostPart, ctrPart] = splitParts(spec);
  const slash = ctrPart.indexOf('/');
  const ctrPorts = slash < 0 ? ctrPart : ctrPart.slice(0, slash);
  const proto = (slash < 0 ? '' : ctrPart.slice(slash + 1)).toLowerCase() || 'tcp';
  if (!isProto(proto)) throw invalidArgument(`invalid proto: ${proto}`);
  let ip = rawIp;
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw invalidArgument(`invalid IP address ${ip}: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && isIP(ip) === 0) throw invalidArgument(`invalid IP address: ${ip}`);
  if (ctrPorts === '') throw invalidArgument(`no port specified: ${spec}<empty>`);
  const ctr = parseRange(ctrPorts);
  if (!ctr) throw invalidArgument(`invalid containerPort: ${ctrPorts}`);
  let host: [number, number] | undefined;
  if (hostPart !== '') {
    host = parseRange(hostPart);
    if (!host) throw invalidArgument(`invalid hostPort: ${hostPart}`);
    if (ctr[1] - ctr[0] !== host[1] - host[0] && ctr[1] !== ctr[0]) {
      throw invalidArgument(`invalid ranges specified for container and host Ports: ${ctrPorts} and ${hostPart}`);
    }
  }
  const count = ctr[1] - ctr[0] + 1;
  const out: PortBinding[] = [];
  for (let i = 0; i < count; i++) {
    const b: PortBinding = { containerPort: ctr[0] + i, proto, hostIp: ip, hostPort: host ? host[0] + i : 0 };
    // A single container port with a host range: any free port of the range will do.
    if (host && count === 1 && host[1] !== host[0]) b.hostPortEnd = host[1];
    out.push(b);
  }
  return out;
}

/** The inverse for display and for HostConfig.PortBindings keys: "80/tcp". */
export function portKey(b: Pick<PortBinding, 'containerPort' | 'proto'>): string {
  return `${b.containerPort}/${b.proto}`;
}

function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return ['', '', parts[0]!];
  if (n === 2) return ['', parts[0]!, parts[1]!];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, parts[n - 1]!];
}

function parseRange(s: string): [number, number] | undefined {
  const m = /^(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start > 65535 || end > 65535 || end < start) return undefined;
  return [start, end];
}

function isProto(p: string): p is PortProto {
  return p === 'tcp' || p === 'udp' || p === 'sctp';
}
