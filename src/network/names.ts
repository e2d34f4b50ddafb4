/** Kernel object names that mark things as Berth's, so cleanup can find them and never touch others'. */

/** ifalias set on every bridge and host-side veth Berth creates. */
export const BERTH_IFALIAS = 'berth';
/** nftables tables: `table ip berth` (nat + filter) and `table bridge berth` (inter-container isolation). */
export const NFT_TABLE = 'berth';
export const MAX_IFNAME = 15;
