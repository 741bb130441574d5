package dev.banger.net;

import dev.banger.kit.config.NetConfig;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.net.host.Ip;
import dev.banger.net.host.IpForwarding;
import dev.banger.net.host.Nft;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opt-in NAT per VM in banger's own table {@code ip banger}, rebuilt whole from the NATed leases on
 * every change (one nft transaction), and {@code net.ipv4.ip_forward}: switched on with the first
 * NATed VM when it was off, and back off with the last one only if banger switched it on
 * (remembered in the database, so a restart in between does not forget).
 */
final class Nat {

  private static final Logger LOG = LoggerFactory.getLogger(Nat.class);

  private final Nft nft;
  private final Ip ip;
  private final IpForwarding forwarding;
  private final HostSettings settings;
  private final Optional<String> uplinkOverride;

  Nat(
      Nft nft,
      Ip ip,
      IpForwarding forwarding,
      HostSettings settings,
      Optional<String> uplinkOverride) {
    this.nft = nft;
    this.ip = ip;
    this.forwarding = forwarding;
    this.settings = settings;
    this.uplinkOverride = uplinkOverride;
  }

  /** What a rebuild reads, at the moment it runs. */
  interface Source {
    List<Lease> natted() throws Exception;

    List<String> bridges() throws Exception;
  }

  /** The configured uplink, else the default route's device; refused when neither exists. */
  String uplink(List<String> bridges) throws CommandFailedException, IOException {
    Optional<String> dev = uplinkOverride.isPresent() ? uplinkOverride : ip.defaultRouteDevice();
    if (dev.isEmpty()) {
      throw NetArgs.failedPrecondition(
          "NO_UPLINK",
          "NAT needs an uplink: this host has no IPv4 default route; "
              + "set [net] uplink in config.toml");
    }
    String name;
    try {
      name = NetConfig.linkName(dev.get());
    } catch (IllegalArgumentException e) {
      throw NetArgs.failedPrecondition(
          "NO_UPLINK",
          "the default route's device "
              + NetArgs.quoted(dev.get())
              + " has a name banger will not put in a ruleset");
    }
    if (bridges.contains(name)) {
      throw NetArgs.failedPrecondition(
          "NO_UPLINK",
          "the uplink would be "
              + name
              + ", one of banger's own bridges; set [net] uplink in config.toml");
    }
    return name;
  }

  /**
   * Makes the table say exactly what {@code natted} asks for; returns the uplink used (empty when
   * no VM is NATed and the table is gone).
   */
  synchronized Optional<String> rebuild(Source source) throws Exception {
    // Read inside the lock: two rebuilds racing must not apply an older view last.
    List<Lease> natted = source.natted();
    if (natted.isEmpty()) {
      nft.apply(NatRuleset.render(natted, null));
      if (settings.get(HostSettings.IP_FORWARD_SET).isPresent()) {
        forwarding.set(false);
        settings.remove(HostSettings.IP_FORWARD_SET);
        LOG.info("net.ipv4.ip_forward switched back off (banger had switched it on)");
      }
      return Optional.empty();
    }
    String up = uplink(source.bridges());
    nft.apply(NatRuleset.render(natted, up));
    if (!forwarding.enabled()) {
      settings.put(HostSettings.IP_FORWARD_SET, "1");
      forwarding.set(true);
      LOG.info(
          "net.ipv4.ip_forward switched on for NAT (banger will switch it off with the last NATed VM)");
    }
    LOG.info("nat table rebuilt: {} VM(s) out of {}", natted.size(), up);
    return Optional.of(up);
  }
}
