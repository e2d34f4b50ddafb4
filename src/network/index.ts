/** Public surface of the network module: bridge networking as stateless adapters keyed by names and netns paths. */
export type { NetworkSpec, PortBinding, PortProto, EndpointSpec } from './types.ts';
export { BridgeDriver, type BridgeDriverOptions } from './bridge-driver.ts';
export { Ipam, type PoolConfig } from './ipam.ts';
export { allocateSubnet, hostRoutes, DEFAULT_ADDRESS_POOLS, type AddressPool } from './subnet-allocator.ts';
export { parsePortSpec, portKey } from './port-spec.ts';
export { DnsServer, type DnsServerOptions } from './dns-server.ts';
export { cleanupAll, type CleanupOptions } from './cleanup.ts';
export { DEFAULT_NETNS_DIR } from './netns.ts';
export { macForIp } from './links.ts';
export { nftTableFor, DEFAULT_EXEC_ROOT } from './table-name.ts';
