/**
 * Restart policies in motion: after an exit (or at daemon start) a container whose policy says so is marked
 * `restarting` and started again after Docker's growing back-off. The decisions themselves are the pure
 * functions of restart-policy.ts; this keeps the timers and each container's current delay.
 */
import type { Logger } from '../../lib/index.ts';
import type { ContainerRecord } from './record.ts';
import { nextDelay, shouldRestart, shouldStartAtBoot } from './restart-policy.ts';

export interface RestartHooks {
  /** Marks the container `restarting` (under its lock). */
  markRestarting(id: string): Promise<void>;
  /** Starts it again if it is still `restarting` (under its lock); `countRestart` bumps RestartCount. */
  restart(id: string, countRestart: boolean): Promise<void>;
  log: Logger;
}

export class RestartScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly delays = new Map<string, number>();
  private readonly hooks: RestartHooks;

  constructor(hooks: RestartHooks) {
    this.hooks = hooks;
  }

  /** Schedules the next start if the policy wants one; `boot` is the daemon's own start (no back-off, no count). */
  async consider(rec: ContainerRecord, o: { boot: boolean }): Promise<void> {
    const facts = {
      exitCode: rec.state.ExitCode, manuallyStopped: !!rec.manuallyStopped, restartCount: rec.restartCount,
      ranMs: Math.max(0, Date.parse(rec.state.FinishedAt) - Date.parse(rec.state.StartedAt)),
    };
    const policy = rec.hostConfig.RestartPolicy;
    if (!(o.boot ? shouldStartAtBoot(policy, facts) : shouldRestart(policy, facts))) return;
    const id = rec.id;
    const delay = o.boot ? 0 : nextDelay(this.delays.get(id) ?? 0, facts.ranMs);
    this.delays.set(id, delay);
    await this.hooks.markRestarting(id);
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      this.hooks.restart(id, !o.boot).catch((err) => this.hooks.log.warn('restart failed', { id, err }));
    }, delay));
  }

  /** Cancels a pending restart; true if there was one. */
  cancel(id: string): boolean {
    const t = this.timers.get(id);
    if (!t) return false;
    clearTimeout(t);
    this.timers.delete(id);
    return true;
  }
}
