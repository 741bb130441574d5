package dev.banger.kit.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Ipv4CidrTest {

  @Test
  void parsesAndComputesTheNetwork() {
    Ipv4Cidr c = Ipv4Cidr.parse("172.16.0.1/24");
    assertEquals("172.16.0.1", c.addressText());
    assertEquals("172.16.0.0/24", c.networkText());
    assertEquals("172.16.0.255", Ipv4Cidr.format(c.broadcast()));
    assertTrue(c.contains(Ipv4Cidr.parseAddress("172.16.0.200")));
    assertFalse(c.contains(Ipv4Cidr.parseAddress("172.16.1.1")));
    assertEquals(
        "255.255.255.255", Ipv4Cidr.format(Ipv4Cidr.parse("255.255.255.255/32").broadcast()));
    assertEquals("0.0.0.0/0", Ipv4Cidr.parse("10.1.2.3/0").networkText());
  }

  @Test
  void overlapIsSymmetricAndExact() {
    Ipv4Cidr a = Ipv4Cidr.parse("10.0.0.1/16");
    Ipv4Cidr b = Ipv4Cidr.parse("10.0.200.1/24");
    Ipv4Cidr c = Ipv4Cidr.parse("10.1.0.1/24");
    assertTrue(a.overlaps(b));
    assertTrue(b.overlaps(a));
    assertFalse(a.overlaps(c));
    assertFalse(c.overlaps(b));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "172.16.0.1",
        "172.16.0.1/",
        "/24",
        "172.16.0/24",
        "172.16.0.1.5/24",
        "a.b.c.d/24",
        "172.16.0.1/33",
        "172.16.0.1/024",
        "256.0.0.1/24",
        "01.2.3.4/8",
        " 1.2.3.4/8",
        "1.2.3.4/8\n",
        "1.2.3.4/-1",
        "\uff11.2.3.4/8",
        "1.2.3.4/8;reboot"
      })
  void rejectsAnythingElse(String text) {
    assertThrows(IllegalArgumentException.class, () -> Ipv4Cidr.parse(text));
  }
}
