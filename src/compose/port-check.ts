/**
 * Before creating anything, checks that each fixed host port is free, so a taken port fails `up` up front with
 * the service and port named. Only meaningful for a local daemon; ports this project already holds are skipped.
 */
import { createServer } from 'node:net';
import type { Project, Service } from './model.ts';

function tryListen(port: number, host: string, protocol: string): Promise<boolean> {
  if (protocol !== 'tcp') return Promise.resolve(true);
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) => resolve(err.code !== 'EADDRINUSE'));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

export async function checkHostPorts(p: Project, services: Service[], held: Set<string>): Promise<void> {
  for (const s of services) {
    for (const port of s.ports) {
      if (!port.published || port.published.includes('-')) continue;
      const key = `${port.host_ip ?? ''}:${port.published}/${port.protocol}`;
      if (held.has(key)) continue;
      if (!(await tryListen(Number(port.published), port.host_ip || '0.0.0.0', port.protocol))) {
        throw new Error(`${p.configFiles[0]}: services.${s.name}.ports: Bind for ${port.host_ip || '0.0.0.0'}:${port.published} failed: port is already allocated`);
      }
    }
  }
}
