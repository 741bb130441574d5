package dev.banger.net;

import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.net.dns.VmDnsServer;
import dev.banger.net.dns.VmZone;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The .vm DNS server inside net-service (docs/dns.md, docs/net-service.md): its zone follows the
 * leases (a {@link LeaseListener}), and it listens on each bridge's address once the bridge is up,
 * plus any fixed addresses from config. A bridge listener that cannot bind (port 53 without
 * CAP_NET_BIND_SERVICE, say) is logged with the fix and does not take the rest of the service down;
 * fixed addresses are asked for explicitly, so failing to bind them stops start-up.
 */
final class VmDns implements LeaseListener, VmNetworking.BridgeWatcher, AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(VmDns.class);

  private final VmZone zone = new VmZone();
  private final int bridgePort;
  private final Map<String, VmDnsServer> onBridges = new HashMap<>();
  private VmDnsServer fixed;

  /**
   * @param bridgePort the port on each bridge address; 0 serves no bridge
   */
  VmDns(int bridgePort) {
    this.bridgePort = bridgePort;
  }

  VmZone zone() {
    return zone;
  }

  /** Starts the fixed listeners (config's dns_listen); none is fine. */
  void listen(List<InetSocketAddress> addresses) throws IOException {
    if (!addresses.isEmpty()) {
      fixed = VmDnsServer.start(zone, addresses);
      LOG.info(".vm DNS listening on {}", fixed.boundAddresses());
    }
  }

  @Override
  public synchronized void bridgeUp(String name, Ipv4Cidr cidr) {
    if (bridgePort == 0 || onBridges.containsKey(name)) {
      return;
    }
    InetSocketAddress at = new InetSocketAddress(address(cidr.address()), bridgePort);
    try {
      onBridges.put(name, VmDnsServer.start(zone, List.of(at)));
      LOG.info(".vm DNS listening on {} ({})", at, name);
    } catch (IOException e) {
      LOG.warn(
          ".vm DNS cannot listen on {} ({}): {}; guests on {} cannot resolve .vm names. Grant"
              + " CAP_NET_BIND_SERVICE for port 53 or set [net] dns_port to a port >= 1024",
          at,
          name,
          e.getMessage(),
          name);
    }
  }

  @Override
  public synchronized void bridgeDown(String name) {
    VmDnsServer s = onBridges.remove(name);
    if (s != null) {
      s.close();
    }
  }

  @Override
  public void leased(Lease lease) {
    zone.put(lease.vmName(), address(lease.address()));
  }

  @Override
  public void released(Lease lease) {
    zone.remove(lease.vmName());
  }

  @Override
  public void renamed(Lease before, Lease after) {
    zone.remove(before.vmName());
    zone.put(after.vmName(), address(after.address()));
  }

  private static Inet4Address address(int a) {
    try {
      return (Inet4Address)
          InetAddress.getByAddress(
              new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
    } catch (UnknownHostException e) {
      throw new IllegalStateException("four bytes are always an address", e);
    }
  }

  @Override
  public synchronized void close() {
    onBridges.values().forEach(VmDnsServer::close);
    onBridges.clear();
    if (fixed != null) {
      fixed.close();
    }
  }
}
