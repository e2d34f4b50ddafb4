/**
 * Watches conmon's exit directory (inotify through fs.watch): each file <exits>/<id> means that container's
 * process ended. A slow periodic rescan covers events the watcher could miss.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir } from 'node:fs/promises';
import type { Logger } from '../../lib/index.ts';

export class ExitWatcher implements Disposable {
  private watcher?: FSWatcher;
  private timer?: NodeJS.Timeout;
  private readonly dir: string;
  private readonly onExit: (id: string) => Promise<void>;
  private readonly log: Logger;

  constructor(dir: string, onExit: (id: string) => Promise<void>, log: Logger) {
    this.dir = dir;
    this.onExit = onExit;
    this.log = log;
  }

  start(): void {
    this.watcher = watch(this.dir, (_event, file) => {
      if (file && /^[0-9a-f]{64}$/.test(file)) this.fire(file);
    });
    this.timer = setInterval(() => void this.rescan(), 5000);
    this.timer.unref();
  }

  /** Handles every exit file present now (used at start-up and as a safety net). */
  async rescan(): Promise<void> {
    for (const f of await readdir(this.dir).catch(() => [] as string[])) if (/^[0-9a-f]{64}$/.test(f)) this.fire(f);
  }

  private fire(id: string): void {
    this.onExit(id).catch((err) => this.log.warn('exit handling failed', { id, err }));
  }

  [Symbol.dispose](): void {
    this.watcher?.close();
    clearInterval(this.timer);
  }
}
