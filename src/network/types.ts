/** Data the daemon passes to the network module: it owns these records, the module only acts on them. */

/** A bridge network as the kernel should see it. */
export interface NetworkSpec {
  id: string;
  name: string;
  /** Bridge device name, at most 15 characters (berth0, br-<12 hex>). */
  bridge: string;
  /** IPv4 CIDR, e.g. 172.17.0.0/16. */
  subnet: string;
  /** Gateway address (no prefix), assigned to the bridge. */
  gateway: string;
  ipRange?: string;
  /** No traffic in or out of the network except between its own members and to the gateway. */
  internal: boolean;
  mtu?: number;
  /** Inter-container communication on this bridge (com.docker.network.bridge.enable_icc); default true. */
  enableIcc?: boolean;
  /** Masquerade outbound traffic (com.docker.network.bridge.enable_ip_masquerade); default true. */
  ipMasquerade?: boolean;
}

export type PortProto = 'tcp' | 'udp' | 'sctp';

export interface PortBinding {
  containerPort: number;
  proto: PortProto;
  /** '' or 0.0.0.0 = every host address. */
  hostIp: string;
  /** 0 = pick a free port (within hostPortEnd if set, else the ephemeral range). */
  hostPort: number;
  /** With a single container port, `-p 8000-8010:80` means "any free host port in 8000..8010". */
  hostPortEnd?: number;
}

export interface EndpointSpec {
  /** Interface name inside the netns: eth0, eth1... */
  ifname: string;
  /** IPv4 address without prefix (the prefix comes from the network's subnet). */
  ip: string;
  mac?: string;
  containerId: string;
}
