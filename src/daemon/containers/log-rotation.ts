/**
 * `--log-opt max-size=… max-file=…`: conmon writes one log file; the daemon rotates it as Docker's json-file
 * driver would: when it grows past max-size it becomes <log>.1 (older ones shift up, at most max-file - 1 are
 * kept) and conmon is told to reopen a fresh file. readLogs reads the rotated files first.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { invalidArgument, ramInBytes, type Logger } from '../../lib/index.ts';
import type { ContainerRecord } from './record.ts';

const CHECK_EVERY_MS = 1000;

export interface RotationPolicy { maxSize: number; maxFile: number }

/** The rotation a container asked for, validated as dockerd does at create; undefined for none. */
export function rotationPolicy(cfg: Record<string, string> | undefined): RotationPolicy | undefined {
  if (!cfg?.['max-size']) {
    if (cfg?.['max-file'] && cfg['max-file'] !== '1') throw invalidArgument('max-file cannot be set without max-size');
    return undefined;
  }
  const maxSize = ramInBytes(cfg['max-size']);
  const maxFile = cfg['max-file'] ? Number(cfg['max-file']) : 1;
  if (!Number.isInteger(maxFile) || maxFile < 1) throw invalidArgument('max-file cannot be less than 1');
  return { maxSize, maxFile };
}

export class LogRotator {
  private timer?: NodeJS.Timeout;
  private readonly containers: () => ContainerRecord[];
  private readonly reopen: (rec: ContainerRecord) => Promise<void>;
  private readonly log: Logger;

  constructor(o: { containers: () => ContainerRecord[]; reopen: (rec: ContainerRecord) => Promise<void>; log: Logger }) {
    this.containers = o.containers;
    this.reopen = o.reopen;
    this.log = o.log;
  }

  start(): void {
    this.timer = setInterval(() => void this.sweep(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    for (const rec of this.containers()) {
      if (rec.state.Status !== 'running' && rec.state.Status !== 'paused') continue;
      let policy: RotationPolicy | undefined;
      try {
        policy = rotationPolicy(rec.hostConfig.LogConfig?.Config);
      } catch {
        continue;
      }
      if (!policy) continue;
      const size = (await stat(rec.logPath).catch(() => undefined))?.size ?? 0;
      if (size < policy.maxSize) continue;
      await this.rotate(rec, policy).catch((err) => this.log.warn('log rotation failed', { id: rec.id, err }));
    }
  }

  private async rotate(rec: ContainerRecord, p: RotationPolicy): Promise<void> {
    const keep = p.maxFile - 1;
    if (keep === 0) {
      await rm(rec.logPath, { force: true });
    } else {
      await rm(`${rec.logPath}.${keep}`, { force: true });
      for (let n = keep - 1; n >= 1; n--) await rename(`${rec.logPath}.${n}`, `${rec.logPath}.${n + 1}`).catch(() => undefined);
      await rename(rec.logPath, `${rec.logPath}.1`);
    }
    await this.reopen(rec);
  }
}
