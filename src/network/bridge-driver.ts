/**
 * Docker's bridge driver as a stateless adapter: the daemon owns networks and endpoints and passes them in;
 * this class makes the kernel match (bridge devices, veths, netns files, nftables elements). The only state it
 * keeps is the published-port record under stateDir (see port-publisher.ts).
 */
import type { Logger } from '../lib/index.ts';
import { checkIfname, deleteLink, ensureBridge, getLink, macForIp, randomVethName } from './links.ts';
import { cidrContains, formatCidr, parseCidr, parseIpv4 } from './ipv4.ts';
import { BERTH_IFALIAS } from './names.ts';
import { NETLINK_ROUTE, NetlinkSocket, sys } from './netlink.ts';
import { createNetns, deleteNetns, DEFAULT_NETNS_DIR, NetnsThread } from './netns.ts';
import { addAddress, addDefaultRoute, createVeth, deleteLinkByName, linkIndex, linkUp } from './rtnl.ts';
import { NftFirewall, type NetworkElements } from './nft-firewall.ts';
import { PortPublisher } from './port-publisher.ts';
import { enableRouteLocalnet, ensureIpForward } from './sysctl.ts';
import { internal, invalidArgument, notFound } from '../lib/index.ts';
import type { EndpointSpec, NetworkSpec, PortBinding } from './types.ts';

export interface BridgeDriverOptions {
  /** Where published-port records live; use tmpfs (e.g. /run/berth/network). */
  stateDir: string;
  log: Logger;
  /** Directory of netns bind mounts (default /run/berth/netns). */
  netnsDir?: string;
  /** nftables table name (default berth); tests pass their own. */
  nftTable?: string;
}

export class BridgeDriver {
  private readonly log: Logger;
  private readonly netnsDir: string;
  private readonly ports: PortPublisher;
  private readonly nft: NftFirewall;
  private readonly netns = new NetnsThread();

  constructor(o: BridgeDriverOptions) {
    this.log = o.log;
    this.netnsDir = o.netnsDir ?? DEFAULT_NETNS_DIR;
    this.nft = new NftFirewall(o.nftTable);
    this.ports = new PortPublisher({ stateDir: o.stateDir, log: o.log, nft: this.nft });
  }

  /** Bridge up with the gateway address, nftables elements, forwarding on. Idempotent (run at every daemon start). */
  async ensureNetwork(n: NetworkSpec): Promise<void> {
    const subnet = parseCidr(n.subnet);
    if (!cidrContains(subnet, parseIpv4(n.gateway))) throw invalidArgument(`gateway ${n.gateway} is not in subnet ${n.subnet}`);
    await ensureBridge({ name: n.bridge, gateway: n.gateway, prefix: subnet.bits, mtu: n.mtu });
    if (!n.internal) {
      await enableRouteLocalnet(n.bridge);
      if (await ensureIpForward()) this.log.info('enabled net.ipv4.ip_forward for bridge networking');
    }
    await this.nft.addNetwork(elements(n));
  }

  /** Deletes the bridge and its nftables elements. Idempotent. */
  async removeNetwork(n: NetworkSpec): Promise<void> {
    await this.nft.removeNetwork(elements(n));
    const link = await getLink(n.bridge);
    if (link?.ifalias?.startsWith('berth')) await deleteLink(n.bridge);
  }

  /** A persistent netns for the container at <netnsDir>/<containerId>, lo up. Idempotent. */
  createNetns(containerId: string): Promise<string> {
    return createNetns(this.netnsDir, containerId, this.netns);
  }

  deleteNetns(path: string): Promise<void> {
    return deleteNetns(path);
  }

  /**
   * Plugs the netns into the network: veth pair, address, and a default route through the gateway when the
   * network is not internal and the netns has none yet (so the first network connected provides it).
   */
  async connect(netnsPath: string, n: NetworkSpec, ep: EndpointSpec): Promise<{ mac: string; hostVeth: string }> {
    const subnet = parseCidr(n.subnet);
    if (!cidrContains(subnet, parseIpv4(ep.ip))) throw invalidArgument(`address ${ep.ip} is not in subnet ${n.subnet}`);
    checkIfname(ep.ifname);
    const mac = ep.mac ?? macForIp(ep.ip);
    const hostVeth = randomVethName();
    using host = hostSocket();
    const master = linkIndex(host, n.bridge);
    if (master === undefined) throw notFound(`bridge ${n.bridge} of network ${n.name} does not exist`);
    const nsfd = sys.openRead(netnsPath);
    try {
      await createVeth(host, { hostVeth, ifname: ep.ifname, mac, mtu: n.mtu, masterIndex: master, netnsFd: nsfd, alias: BERTH_IFALIAS });
    } catch (err) {
      throw internal(`creating veth ${hostVeth} for ${ep.ifname} in ${netnsPath}: ${(err as Error).message}`, { cause: err });
    } finally {
      sys.close(nsfd);
    }
    try {
      using s = await this.netns.socket(netnsPath);
      const index = linkIndex(s, ep.ifname);
      if (index === undefined) throw internal(`${ep.ifname} did not appear in ${netnsPath}`);
      await addAddress(s, index, ep.ip, subnet.bits);
      await linkUp(s, index);
      // The first network connected provides the default route; later ones find it there.
      if (!n.internal) await addDefaultRoute(s, index, n.gateway);
      if (n.enableIcc === false) await this.nft.setNoIcc(hostVeth, true);
    } catch (err) {
      await deleteLinkByName(host, hostVeth);
      throw internal(`configuring ${ep.ifname} in ${netnsPath}: ${(err as Error).message}`, { cause: err });
    }
    return { mac, hostVeth };
  }

  /** Removes the endpoint's veth pair. Idempotent; works with the netns already gone when hostVeth is given. */
  async disconnect(netnsPath: string, n: NetworkSpec, ep: { ifname: string; hostVeth?: string }): Promise<void> {
    let removed = false;
    try {
      using s = await this.netns.socket(netnsPath);
      removed = await deleteLinkByName(s, ep.ifname);
    } catch {
      // netns gone: the host end below is all that may be left
    }
    if (ep.hostVeth) {
      if (!removed) {
        using host = hostSocket();
        await deleteLinkByName(host, ep.hostVeth);
      }
      if (n.enableIcc === false) await this.nft.setNoIcc(ep.hostVeth, false);
    }
  }

  /** Stops the helper thread (the driver still works afterwards: it restarts on use). */
  async close(): Promise<void> {
    await this.netns.close();
  }

  publish(ports: readonly PortBinding[], target: { ip: string; containerId: string }): Promise<PortBinding[]> {
    return this.ports.publish(ports, target);
  }

  unpublish(containerId: string): Promise<void> {
    return this.ports.unpublish(containerId);
  }

  published(containerId: string): Promise<PortBinding[]> {
    return this.ports.published(containerId);
  }
}

/** A fresh rtnetlink socket in the daemon's own netns (opened by the main thread, which never leaves it). */
function hostSocket(): NetlinkSocket {
  return NetlinkSocket.open(NETLINK_ROUTE);
}

function elements(n: NetworkSpec): NetworkElements {
  return { bridge: n.bridge, subnet: formatCidr(parseCidr(n.subnet)), internal: n.internal, masquerade: n.ipMasquerade !== false };
}
