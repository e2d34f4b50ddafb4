/**
 * Conntrack clean-up when published UDP ports go away. A UDP "connection" through a DNAT rule lives on in the
 * kernel's connection table after the rule is deleted, so a client that keeps sending to the host port would
 * still reach the old container address (or nothing) until the entry times out. dockerd drops these entries
 * when it unpublishes; Berth does the same with conntrack(8).
 */
import { execFile, type Logger } from '../lib/index.ts';
import type { PortElement } from './nft-firewall.ts';

export async function flushUdpConntrack(ports: readonly PortElement[], log: Logger): Promise<void> {
  for (const p of ports) {
    if (p.proto !== 'udp') continue;
    // Exit status 1 with "0 flow entries have been deleted" is the common case: nothing to flush.
    const r = await execFile('conntrack', ['-D', '-p', 'udp', '--orig-port-dst', String(p.hostPort), '--reply-src', p.targetIp], { allowFailure: true })
      .catch((err: Error) => ({ code: -1, stderr: err.message }));
    if (r.code !== 0 && r.code !== 1) log.warn('could not flush UDP conntrack entries', { port: p.hostPort, err: r.stderr.trim() });
  }
}
