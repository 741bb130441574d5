package dev.banger.kit.config;

import dev.banger.kit.net.Ipv4Cidr;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code [net]} in config.toml: net-service's bridge, tap pool, leases and NAT. Every field is
 * optional. The rules for names and addresses live here so config and RPC arguments are held to the
 * same ones (net-service calls {@link #bridgeName}, {@link #bridgeCidr}, {@link #linkName}).
 *
 * @param bridge the bridge VMs join (default {@code br-banger})
 * @param cidr the bridge's address and prefix (default {@code 172.16.0.1/24}); leases come from
 *     this network
 * @param tapPoolSize taps kept ready, 0..64 (default 4)
 * @param uplink interface NAT masquerades out of (default: the default route's device)
 * @param leaseQuarantineSeconds how long a released address is kept out of reuse (default 3600)
 * @param dnsPort the port the .vm DNS server listens on at each bridge's address (default 53, which
 *     needs CAP_NET_BIND_SERVICE; 0 turns it off)
 * @param dnsListen further {@code "ipv4:port"} addresses for the .vm DNS server, e.g. {@code
 *     "127.0.0.1:5354"} for the host's own resolver (default none)
 */
public record NetConfig(
    String bridge,
    String cidr,
    Integer tapPoolSize,
    String uplink,
    Long leaseQuarantineSeconds,
    Integer dnsPort,
    List<String> dnsListen) {

  public static final int DEFAULT_DNS_PORT = 53;
  private static final Pattern LISTEN =
      Pattern.compile("([0-9]{1,3}(?:\\.[0-9]{1,3}){3}):([0-9]{1,5})");

  public static final String DEFAULT_BRIDGE = "br-banger";
  public static final String DEFAULT_CIDR = "172.16.0.1/24";
  public static final int DEFAULT_TAP_POOL_SIZE = 4;
  public static final int MAX_TAP_POOL_SIZE = 64;
  public static final long DEFAULT_QUARANTINE_SECONDS = 3600;
  public static final long MAX_QUARANTINE_SECONDS = 30L * 24 * 3600;

  /** Linux keeps interface names in 16 bytes with the NUL (IFNAMSIZ). */
  public static final int MAX_LINK_NAME = 15;

  private static final Pattern BRIDGE = Pattern.compile("br-banger(-[a-z0-9]{1,8})?");
  private static final Pattern LINK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,14}");

  public static NetConfig empty() {
    return new NetConfig(null, null, null, null, null, null, null);
  }

  public String bridgeOrDefault() {
    return bridge == null ? DEFAULT_BRIDGE : bridge;
  }

  public Ipv4Cidr cidrOrDefault() {
    return bridgeCidr(cidr == null ? DEFAULT_CIDR : cidr);
  }

  public int tapPoolSizeOrDefault() {
    return tapPoolSize == null ? DEFAULT_TAP_POOL_SIZE : tapPoolSize;
  }

  public Optional<String> uplinkOverride() {
    return Optional.ofNullable(uplink);
  }

  public int dnsPortOrDefault() {
    return dnsPort == null ? DEFAULT_DNS_PORT : dnsPort;
  }

  /**
   * The extra DNS addresses, parsed (checked at load, so this does not throw for a loaded config).
   */
  public List<InetSocketAddress> dnsListenAddresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String l : dnsListen == null ? List.<String>of() : dnsListen) {
      out.add(listenAddress(l));
    }
    return out;
  }

  /** {@code "a.b.c.d:port"}, IPv4 in dotted form, port 1..65535. */
  public static InetSocketAddress listenAddress(String text) {
    Matcher m = LISTEN.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "dns_listen entries must be \"ipv4:port\", e.g. \"127.0.0.1:5354\" (got "
              + dev.banger.kit.text.Printable.quoted(String.valueOf(text), 60)
              + ")");
    }
    int port = Integer.parseInt(m.group(2));
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("dns_listen port must be 1..65535, got " + port);
    }
    int address;
    try {
      address = Ipv4Cidr.parseAddress(m.group(1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("dns_listen address " + m.group(1) + " " + e.getMessage());
    }
    return new InetSocketAddress(Ipv4Cidr.format(address), port);
  }

  public Duration leaseQuarantine() {
    return Duration.ofSeconds(
        leaseQuarantineSeconds == null ? DEFAULT_QUARANTINE_SECONDS : leaseQuarantineSeconds);
  }

  /** Checks every field; the message names the key. */
  void validate(String origin) throws ConfigException {
    try {
      if (bridge != null) {
        bridgeName(bridge);
      }
      if (cidr != null) {
        bridgeCidr(cidr);
      }
      if (uplink != null) {
        linkName(uplink);
      }
      dnsListenAddresses();
    } catch (IllegalArgumentException e) {
      throw new ConfigException(origin + ": [net]: " + e.getMessage());
    }
    if (tapPoolSize != null && (tapPoolSize < 0 || tapPoolSize > MAX_TAP_POOL_SIZE)) {
      throw new ConfigException(
          origin
              + ": [net]: tap_pool_size must be 0.."
              + MAX_TAP_POOL_SIZE
              + ", got "
              + tapPoolSize);
    }
    if (dnsPort != null && (dnsPort < 0 || dnsPort > 65535)) {
      throw new ConfigException(
          origin + ": [net]: dns_port must be 0 (off)..65535, got " + dnsPort);
    }
    if (leaseQuarantineSeconds != null
        && (leaseQuarantineSeconds < 0 || leaseQuarantineSeconds > MAX_QUARANTINE_SECONDS)) {
      throw new ConfigException(
          origin
              + ": [net]: lease_quarantine_seconds must be 0.."
              + MAX_QUARANTINE_SECONDS
              + ", got "
              + leaseQuarantineSeconds);
    }
  }

  /**
   * A bridge banger may manage: {@code br-banger} or {@code br-banger-<1..5 of a-z0-9>} (the
   * pattern allows 8 after the dash, the kernel's 15-byte limit leaves 5).
   */
  public static String bridgeName(String name) {
    if (name == null || !BRIDGE.matcher(name).matches()) {
      throw new IllegalArgumentException("bridge name must match ^br-banger(-[a-z0-9]{1,8})?$");
    }
    if (name.length() > MAX_LINK_NAME) {
      throw new IllegalArgumentException(
          "bridge name must be at most " + MAX_LINK_NAME + " characters (a Linux limit)");
    }
    return name;
  }

  /** Any interface name we would pass to ip or nft: 1..15 of letters, digits, '_', '.', '-'. */
  public static String linkName(String name) {
    if (name == null || !LINK.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "interface name must be 1..15 letters, digits, '_', '.' or '-', "
              + "starting with a letter or digit");
    }
    return name;
  }

  /**
   * A bridge address: {@code a.b.c.d/p} with p in 8..30, the address a host of its network (not the
   * network or broadcast address), so there are addresses left to lease.
   */
  public static Ipv4Cidr bridgeCidr(String text) {
    Ipv4Cidr c;
    try {
      c = Ipv4Cidr.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cidr " + e.getMessage());
    }
    if (c.prefix() < 8 || c.prefix() > 30) {
      throw new IllegalArgumentException("cidr prefix length must be 8..30, got /" + c.prefix());
    }
    if (c.address() == c.network() || c.address() == c.broadcast()) {
      throw new IllegalArgumentException(
          "cidr must name a host address of its network (the bridge's own), not "
              + (c.address() == c.network() ? "the network address" : "the broadcast address"));
    }
    int first = c.address() >>> 24;
    if (first == 0 || first == 127 || first >= 224) {
      throw new IllegalArgumentException("cidr must be a unicast address outside 0/8 and 127/8");
    }
    return c;
  }
}
