package dev.banger.net.dns;

import dev.banger.kit.text.Printable;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the DNS server may be tuned on, with defaults that suit a VM bridge.
 *
 * <p>Why these knobs: the TTL is short so that a rename or delete shows within seconds in resolvers
 * that cache; the TCP limits keep an idle or slow client from holding connections (and their
 * threads) forever; the zone name is configurable for tests and for hosts where {@code .vm} is
 * already taken.
 *
 * @param zone the zone served, without the trailing dot (default {@code vm})
 * @param ttl TTL of every record, and the negative-caching time in the SOA (default 5 s)
 * @param tcpIdleTimeout how long a TCP connection may stay silent before it is closed (default 5 s)
 * @param tcpLifetime how long a TCP connection may live at all, busy or not (default 30 s)
 * @param maxTcpConnections TCP connections served at once per listening address; more are closed on
 *     accept (default 64)
 * @param udpWorkers threads receiving on each UDP socket (default 2)
 */
public record DnsOptions(
    String zone,
    Duration ttl,
    Duration tcpIdleTimeout,
    Duration tcpLifetime,
    int maxTcpConnections,
    int udpWorkers) {

  /** Labels of a zone name: host-name style, lower case. */
  private static final Pattern ZONE =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  /**
   * The payload size advertised in EDNS answers: the DNS Flag Day 2020 figure, safe from
   * fragmentation.
   */
  static final int EDNS_PAYLOAD = 1232;

  public DnsOptions {
    Objects.requireNonNull(zone, "zone");
    if (zone.length() > 200 || !ZONE.matcher(zone).matches()) {
      throw new IllegalArgumentException(
          "DNS zone "
              + Printable.quoted(zone, 80)
              + " is not valid: it must be lower-case host-name labels separated by dots, with no trailing dot");
    }
    checkDuration("DNS TTL", ttl, Duration.ZERO, Duration.ofDays(1));
    checkDuration(
        "DNS TCP idle timeout", tcpIdleTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
    checkDuration(
        "DNS TCP connection lifetime", tcpLifetime, Duration.ofMillis(1), Duration.ofHours(1));
    if (maxTcpConnections < 1 || maxTcpConnections > 10_000) {
      throw new IllegalArgumentException(
          "DNS maxTcpConnections " + maxTcpConnections + " is out of range 1..10000");
    }
    if (udpWorkers < 1 || udpWorkers > 64) {
      throw new IllegalArgumentException("DNS udpWorkers " + udpWorkers + " is out of range 1..64");
    }
  }

  /**
   * Zone {@code vm}, TTL 5 s, TCP idle 5 s and lifetime 30 s, 64 TCP connections, 2 UDP workers.
   */
  public static DnsOptions defaults() {
    return new DnsOptions(
        "vm", Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30), 64, 2);
  }

  public DnsOptions withZone(String zone) {
    return new DnsOptions(zone, ttl, tcpIdleTimeout, tcpLifetime, maxTcpConnections, udpWorkers);
  }

  public DnsOptions withTtl(Duration ttl) {
    return new DnsOptions(zone, ttl, tcpIdleTimeout, tcpLifetime, maxTcpConnections, udpWorkers);
  }

  public DnsOptions withTcpLimits(Duration idleTimeout, Duration lifetime, int maxConnections) {
    return new DnsOptions(zone, ttl, idleTimeout, lifetime, maxConnections, udpWorkers);
  }

  public DnsOptions withUdpWorkers(int workers) {
    return new DnsOptions(zone, ttl, tcpIdleTimeout, tcpLifetime, maxTcpConnections, workers);
  }

  private static void checkDuration(String what, Duration d, Duration min, Duration max) {
    Objects.requireNonNull(d, what);
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw new IllegalArgumentException(what + " " + d + " is out of range " + min + ".." + max);
    }
  }
}
