/** Attach: connect a hijacked client to a container's stdio through conmon, before or after start. */
import type { Duplex } from 'node:stream';
import { conflict, type Logger } from '../../lib/index.ts';
import type { ConmonRuntime } from '../../runtime/index.ts';
import { bridge } from '../stream-bridge.ts';
import { isAlive, type ContainerService } from './service.ts';
import type { ContainerRecord } from './record.ts';
import { writeLogs } from './logs.ts';

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  stream: boolean;
  logs: boolean;
  detachKeys?: string;
}

export class AttachService {
  private readonly containers: ContainerService;
  private readonly runtime: ConmonRuntime;
  private readonly log: Logger;

  constructor(o: { containers: ContainerService; runtime: ConmonRuntime; log: Logger }) {
    this.containers = o.containers;
    this.runtime = o.runtime;
    this.log = o.log;
  }

  /** Checks what can fail before the connection is hijacked. */
  prepare(ref: string): ContainerRecord {
    const rec = this.containers.store.get(ref);
    if (rec.state.Status === 'paused') throw conflict(`You cannot attach to a paused container, unpause it first`);
    return rec;
  }

  async attach(rec: ContainerRecord, client: Duplex, o: AttachOptions): Promise<void> {
    const tty = !!rec.config.Tty;
    const wantStdin = o.stdin && !!rec.config.OpenStdin;
    if (o.logs) await writeLogs(rec, client, { stdout: o.stdout, stderr: o.stderr, follow: false, tty });
    if (!o.stream) {
      client.end();
      return;
    }
    const opts = { tty, stdin: wantStdin, stdout: o.stdout, stderr: o.stderr, detachKeys: o.detachKeys };
    const bundle = this.containers.store.paths(rec.id).bundle;
    const current = this.containers.store.get(rec.id);
    if (isAlive(current)) {
      const streams = await this.runtime.attach(bundle, { stdin: wantStdin });
      this.containers.emit(current, 'attach');
      await bridge(streams, client, opts);
      return;
    }
    if (current.state.Status !== 'created' && current.state.Status !== 'exited') {
      client.end();
      return;
    }
    // Not started yet (docker run attaches first): connect once conmon exists, before the process runs.
    await new Promise<void>((resolve) => {
      const cancel = this.containers.onceBeforeStart(rec.id, async () => {
        client.off('close', onClose);
        const streams = await this.runtime.attach(bundle, { stdin: wantStdin });
        this.containers.emit(current, 'attach');
        void bridge(streams, client, opts).then(() => resolve());
      });
      const onClose = () => {
        cancel();
        resolve();
      };
      client.once('close', onClose);
    });
    this.log.debug('attach ended', { id: rec.id.slice(0, 12) });
  }
}
