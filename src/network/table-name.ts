/** Berth's nftables table for a daemon: one per exec root, so daemons side by side (tests) never share rules. */
import { createHash } from 'node:crypto';
import { NFT_TABLE } from './names.ts';

export const DEFAULT_EXEC_ROOT = '/run/berth';

export function nftTableFor(execRoot: string): string {
  return execRoot === DEFAULT_EXEC_ROOT ? NFT_TABLE : `${NFT_TABLE}_${createHash('sha256').update(execRoot).digest('hex').slice(0, 8)}`;
}
