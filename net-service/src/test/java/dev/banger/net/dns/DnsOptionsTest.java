package dev.banger.net.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DnsOptionsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    DnsOptions d = DnsOptions.defaults();
    assertEquals("vm", d.zone());
    assertEquals(Duration.ofSeconds(5), d.ttl());
    assertEquals(Duration.ofSeconds(5), d.tcpIdleTimeout());
    assertEquals(Duration.ofSeconds(30), d.tcpLifetime());
    assertEquals(64, d.maxTcpConnections());
    assertEquals(2, d.udpWorkers());
    assertEquals("test.banger", d.withZone("test.banger").zone());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "vm.", ".vm", "VM", "v m", "vm..x", "-vm", "vm-", "vm\n", "v_m", "vm;reboot"})
  void badZoneNamesAreRefusedWithASentence(String zone) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DnsOptions.defaults().withZone(zone));
    assertTrue(e.getMessage().startsWith("DNS zone \""), e.getMessage());
    assertTrue(e.getMessage().endsWith("with no trailing dot"), e.getMessage());
  }

  @Test
  void outOfRangeNumbersAreRefused() {
    DnsOptions d = DnsOptions.defaults();
    assertThrows(IllegalArgumentException.class, () -> d.withTtl(Duration.ofSeconds(-1)));
    assertThrows(IllegalArgumentException.class, () -> d.withTtl(Duration.ofDays(2)));
    assertThrows(
        IllegalArgumentException.class,
        () -> d.withTcpLimits(Duration.ZERO, Duration.ofSeconds(1), 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> d.withTcpLimits(Duration.ofSeconds(1), Duration.ofSeconds(1), 0));
    assertThrows(IllegalArgumentException.class, () -> d.withUdpWorkers(0));
    assertEquals(
        "DNS udpWorkers 65 is out of range 1..64",
        assertThrows(IllegalArgumentException.class, () -> d.withUdpWorkers(65)).getMessage());
  }
}
