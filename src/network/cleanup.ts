/** Removes every kernel object Berth's network module created: for tests and a future `system check`. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteLink, listLinks } from './links.ts';
import { BERTH_IFALIAS, NFT_TABLE } from './names.ts';
import { deleteNetns, DEFAULT_NETNS_DIR, listNetnsMounts } from './netns.ts';
import { NftFirewall } from './nft-firewall.ts';

export interface CleanupOptions {
  netnsDir?: string;
  /** The driver's stateDir: its published-port records go too. */
  stateDir?: string;
  nftTable?: string;
  /** Only devices whose name passes this test (tests pass their own prefix); default: every berth device. */
  devices?: (name: string) => boolean;
}

export async function cleanupAll(o: CleanupOptions = {}): Promise<void> {
  for (const path of await listNetnsMounts(o.netnsDir ?? DEFAULT_NETNS_DIR)) await deleteNetns(path);
  await new NftFirewall(o.nftTable ?? NFT_TABLE).deleteTables();
  const ours = (await listLinks()).filter((l) => l.ifalias?.startsWith(BERTH_IFALIAS) && (o.devices?.(l.ifname) ?? true));
  // Veths first: deleting a bridge leaves its ports behind.
  for (const l of ours.filter((x) => x.master !== undefined)) await deleteLink(l.ifname);
  for (const l of ours.filter((x) => x.master === undefined)) await deleteLink(l.ifname);
  if (o.stateDir) await rm(join(o.stateDir, 'ports'), { recursive: true, force: true });
}
