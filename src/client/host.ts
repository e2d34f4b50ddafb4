/**
 * Daemon address selection and parsing: `-H/--host`, then BERTH_HOST, then DOCKER_HOST, then the default socket.
 * Supports unix:// and tcp:// (the forms the docker CLI accepts for a local engine).
 */
export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';

export type DaemonAddress =
  | { readonly kind: 'unix'; readonly socketPath: string; readonly url: string }
  | { readonly kind: 'tcp'; readonly hostname: string; readonly port: number; readonly url: string };

export function selectHost(flagValue: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flagValue || env.BERTH_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

export function parseHost(raw: string): DaemonAddress {
  const value = raw.trim();
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!socketPath) throw new Error(`invalid host: ${raw}: empty socket path`);
    return { kind: 'unix', socketPath, url: value };
  }
  if (value.startsWith('/')) return { kind: 'unix', socketPath: value, url: `unix://${value}` };
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    const rest = value.replace(/^(tcp|http):\/\//, '').replace(/\/+$/, '');
    const m = /^(\[[^\]]+\]|[^:]*)(?::(\d+))?$/.exec(rest);
    if (!m) throw new Error(`invalid host: ${raw}`);
    const hostname = (m[1] || '127.0.0.1').replace(/^\[|\]$/g, '');
    const port = m[2] ? Number(m[2]) : 2375;
    return { kind: 'tcp', hostname, port, url: `tcp://${m[1] || '127.0.0.1'}:${port}` };
  }
  throw new Error(`invalid host: ${raw}: unsupported protocol (use unix:// or tcp://)`);
}
