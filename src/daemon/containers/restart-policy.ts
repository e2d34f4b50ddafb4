/**
 * Docker's restart policies: whether an exited container comes back, and after how long. The delay starts at
 * 100 ms and doubles with each consecutive restart up to a minute; a run of 10 s or more resets it (moby's
 * restartmanager).
 */
import type { HostConfig } from '../../api/types/index.ts';

const INITIAL_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
const STABLE_RUN_MS = 10_000;

export interface ExitFacts {
  exitCode: number;
  manuallyStopped: boolean;
  restartCount: number;
  /** How long the last run lasted. */
  ranMs: number;
}

/** At an exit while the daemon runs. */
export function shouldRestart(policy: HostConfig['RestartPolicy'], f: ExitFacts): boolean {
  if (f.manuallyStopped) return false;
  switch (policy?.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      const max = policy.MaximumRetryCount ?? 0;
      return f.exitCode !== 0 && (max === 0 || f.restartCount < max);
    }
    default:
      return false;
  }
}

/** At daemon start, for a container that is not running: `always` comes back even after a manual stop. */
export function shouldStartAtBoot(policy: HostConfig['RestartPolicy'], f: ExitFacts): boolean {
  if (policy?.Name === 'always') return true;
  return shouldRestart(policy, f);
}

/** The next back-off delay given the previous one and how long the container just ran. */
export function nextDelay(previousMs: number, ranMs: number): number {
  if (ranMs >= STABLE_RUN_MS || previousMs <= 0) return INITIAL_DELAY_MS;
  return Math.min(previousMs * 2, MAX_DELAY_MS);
}
