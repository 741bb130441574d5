package dev.banger.net;

import dev.banger.kit.net.Ipv4Cidr;

/**
 * A VM's IPv4 lease: its address on a bridge's network, its MAC, and whether its traffic is NATed
 * out of the uplink. Gateway and DNS server are the bridge's own address.
 *
 * @param network the bridge's address and prefix ({@code 172.16.0.1/24})
 */
public record Lease(
    String vmId,
    String vmName,
    String bridge,
    int address,
    Ipv4Cidr network,
    String mac,
    boolean nat) {

  public String ip() {
    return Ipv4Cidr.format(address);
  }

  public String gateway() {
    return network.addressText();
  }

  Lease withNat(boolean on) {
    return new Lease(vmId, vmName, bridge, address, network, mac, on);
  }

  Lease withName(String name) {
    return new Lease(vmId, name, bridge, address, network, mac, nat);
  }

  dev.banger.api.net.v1.Lease toProto() {
    return dev.banger.api.net.v1.Lease.newBuilder()
        .setVmId(vmId)
        .setVmName(vmName)
        .setIpAddress(ip())
        .setPrefixLength(network.prefix())
        .setGateway(gateway())
        .setMacAddress(mac)
        .setDnsServer(gateway())
        .setNat(nat)
        .setBridge(bridge)
        .build();
  }
}
