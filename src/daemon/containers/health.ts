/**
 * HEALTHCHECK: runs the check command in the container at its interval (as an exec), keeps State.Health as
 * Docker does (status, failing streak, the last 5 results), and publishes `health_status: <status>` events.
 */
import type { Logger } from '../../lib/index.ts';
import { rfc3339Nano } from '../../lib/index.ts';
import { resolveUser, type ConmonRuntime } from '../../runtime/index.ts';
import type { ContainerRecord } from './record.ts';

export interface HealthConfig {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  StartInterval?: number;
  Retries?: number;
}

export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy';
  FailingStreak: number;
  Log: { Start: string; End: string; ExitCode: number; Output: string }[];
}

const SECOND_NS = 1e9;
const DEFAULTS = { interval: 30, timeout: 30, startPeriod: 0, retries: 3 };
const MAX_OUTPUT = 4096;
const MAX_LOG = 5;

/** The command a check runs, or undefined when there is none (no HEALTHCHECK, or NONE). */
export function healthCommand(hc: HealthConfig | undefined): string[] | undefined {
  const test = hc?.Test;
  if (!test?.length || test[0] === 'NONE') return undefined;
  if (test[0] === 'CMD') return test.slice(1);
  if (test[0] === 'CMD-SHELL') return ['/bin/sh', '-c', test.slice(1).join(' ')];
  return test;
}

export interface HealthHost {
  get(id: string): ContainerRecord | undefined;
  runtimeOf(rec: ContainerRecord): ConmonRuntime;
  bundleOf(id: string): string;
  rootfsOf(id: string): string;
  /** Persists the new state (no fsync needed) and publishes the event when the status changed. */
  update(id: string, health: HealthState, changed: boolean): Promise<void>;
  log: Logger;
}

export class HealthMonitor {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly host: HealthHost;

  constructor(host: HealthHost) {
    this.host = host;
  }

  /** Starts checking a running container that has a healthcheck; a no-op otherwise. */
  start(rec: ContainerRecord): void {
    this.stop(rec.id);
    const hc = rec.config.Healthcheck as HealthConfig | undefined;
    if (!healthCommand(hc)) return;
    const started = Date.now();
    const schedule = (delayMs: number) => {
      this.timers.set(rec.id, setTimeout(() => void this.check(rec.id, started).then(schedule, () => schedule(intervalMs)), delayMs));
    };
    const intervalMs = ((hc?.Interval || DEFAULTS.interval * SECOND_NS) / 1e6);
    schedule(intervalMs);
  }

  stop(id: string): void {
    const t = this.timers.get(id);
    if (t) clearTimeout(t);
    this.timers.delete(id);
  }

  /** One check; returns the delay before the next. */
  private async check(id: string, startedAt: number): Promise<number> {
    const rec = this.host.get(id);
    if (!rec || rec.state.Status !== 'running') return Number.POSITIVE_INFINITY;
    const hc = rec.config.Healthcheck as HealthConfig;
    const interval = (hc.Interval || DEFAULTS.interval * SECOND_NS) / 1e6;
    const timeout = (hc.Timeout || DEFAULTS.timeout * SECOND_NS) / 1e6;
    const startPeriod = (hc.StartPeriod || DEFAULTS.startPeriod) / 1e6;
    const retries = hc.Retries || DEFAULTS.retries;
    const start = rfc3339Nano();
    const result = await this.runCheck(rec, healthCommand(hc)!, timeout);
    const prev: HealthState = (rec.state as { Health?: HealthState }).Health ?? { Status: 'starting', FailingStreak: 0, Log: [] };
    const next: HealthState = { ...prev, Log: [...prev.Log, { Start: start, End: rfc3339Nano(), ExitCode: result.code, Output: result.output }].slice(-MAX_LOG) };
    if (result.code === 0) {
      next.Status = 'healthy';
      next.FailingStreak = 0;
    } else if (Date.now() - startedAt >= startPeriod || prev.Status !== 'starting') {
      // Failures inside the start period do not count (Docker's rule).
      next.FailingStreak = prev.FailingStreak + 1;
      if (next.FailingStreak >= retries) next.Status = 'unhealthy';
    }
    await this.host.update(id, next, next.Status !== prev.Status);
    return interval;
  }

  private async runCheck(rec: ContainerRecord, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    try {
      const user = await resolveUser(this.host.rootfsOf(rec.id), rec.config.User ?? '');
      const session = await this.host.runtimeOf(rec).exec(rec.id, this.host.bundleOf(rec.id), {
        args, env: rec.config.Env ?? [], cwd: rec.config.WorkingDir || '/', user, terminal: false, attachStdin: false, attach: true,
      });
      let output = '';
      const collect = (b: Buffer) => { if (output.length < MAX_OUTPUT) output += b.toString('utf8'); };
      session.streams?.stdout.on('data', collect);
      session.streams?.stderr.on('data', collect);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<number>((resolve) => {
        timer = setTimeout(() => {
          try { process.kill(session.pid, 'SIGKILL'); } catch { /* already gone */ }
          resolve(-1);
        }, timeoutMs);
      });
      const code = await Promise.race([session.exitCode, timedOut]);
      clearTimeout(timer);
      if (code === -1) return { code: -1, output: `Health check exceeded timeout (${Math.round(timeoutMs / 1000)}s)` };
      return { code, output: output.slice(0, MAX_OUTPUT) };
    } catch (err) {
      return { code: -1, output: (err as Error).message };
    }
  }
}
