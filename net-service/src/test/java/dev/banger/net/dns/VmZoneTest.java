package dev.banger.net.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VmZoneTest {

  static Inet4Address ip(String a) throws Exception {
    return (Inet4Address) InetAddress.getByName(a);
  }

  @Test
  void putRemoveRenameAndReplaceAllChangeTheRecordsAndTheSerial() throws Exception {
    VmZone z = new VmZone();
    long s0 = z.version().serial();
    z.put("web", ip("172.16.0.5"));
    assertEquals(Map.of("web", ip("172.16.0.5")), z.snapshot());
    long s1 = z.version().serial();
    assertTrue(s1 > s0);
    z.put("web", ip("172.16.0.5"));
    assertEquals(s1, z.version().serial(), "an unchanged put is not a change");
    z.rename("web", "api");
    assertEquals(Map.of("api", ip("172.16.0.5")), z.snapshot());
    assertTrue(z.remove("api"));
    assertFalse(z.remove("api"), "removing twice is fine and says nothing was there");
    assertEquals(Map.of(), z.snapshot());
    z.replaceAll(Map.of("a", ip("172.16.0.2"), "b", ip("172.16.0.3")));
    assertEquals(Map.of("a", ip("172.16.0.2"), "b", ip("172.16.0.3")), z.snapshot());
    assertTrue(z.version().serial() > s1);
  }

  @Test
  void aSnapshotDoesNotChangeAfterwardsAndCannotBeChanged() throws Exception {
    VmZone z = new VmZone();
    z.put("a", ip("10.0.0.1"));
    Map<String, Inet4Address> snap = z.snapshot();
    z.put("b", ip("10.0.0.2"));
    assertEquals(Map.of("a", ip("10.0.0.1")), snap);
    assertThrows(UnsupportedOperationException.class, () -> snap.put("c", ip("10.0.0.3")));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "-web",
        "Web",
        "web.vm",
        "a b",
        "web;rm -rf /",
        "web\n",
        "wéb",
        "web_1",
        "*",
        "a234567890123456789012345678901234567890123456789012345678901234",
        "web\u001b[31m",
        "$(reboot)",
        "../x"
      })
  void badNamesAreRefusedWithASentenceAndNothingChanges(String bad) throws Exception {
    VmZone z = new VmZone();
    z.put("keep", ip("10.0.0.1"));
    Map<String, Inet4Address> before = z.snapshot();
    long serial = z.version().serial();
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> z.put(bad, ip("10.0.0.9")));
    assertTrue(
        e.getMessage().contains("is not valid: it must be 1 to 63 characters"), e.getMessage());
    assertFalse(
        e.getMessage().contains("\n") || e.getMessage().contains("\u001b"),
        "escaped: " + e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> z.remove(bad));
    assertThrows(IllegalArgumentException.class, () -> z.rename("keep", bad));
    Map<String, Inet4Address> withBad = new LinkedHashMap<>();
    withBad.put("fine", ip("10.0.0.2"));
    withBad.put(bad, ip("10.0.0.3"));
    assertThrows(IllegalArgumentException.class, () -> z.replaceAll(withBad));
    assertEquals(before, z.snapshot());
    assertEquals(serial, z.version().serial());
  }

  @Test
  void longestValidNameIsAccepted() throws Exception {
    VmZone z = new VmZone();
    String name = "a".repeat(63);
    z.put(name, ip("10.0.0.1"));
    assertTrue(z.snapshot().containsKey(name));
  }

  @Test
  void renameRefusesAMissingSourceAndATakenTarget() throws Exception {
    VmZone z = new VmZone();
    z.put("a", ip("10.0.0.1"));
    z.put("b", ip("10.0.0.2"));
    IllegalArgumentException missing =
        assertThrows(IllegalArgumentException.class, () -> z.rename("zz", "c"));
    assertEquals("cannot rename zz.vm: it has no DNS record", missing.getMessage());
    IllegalArgumentException taken =
        assertThrows(IllegalArgumentException.class, () -> z.rename("a", "b"));
    assertEquals("cannot rename a.vm to b.vm: b.vm already has a DNS record", taken.getMessage());
    assertEquals(Map.of("a", ip("10.0.0.1"), "b", ip("10.0.0.2")), z.snapshot());
    z.rename("a", "a");
    assertEquals(ip("10.0.0.1"), z.snapshot().get("a"));
  }

  @Test
  void nullsAreRefused() throws Exception {
    VmZone z = new VmZone();
    assertThrows(IllegalArgumentException.class, () -> z.put(null, ip("10.0.0.1")));
    assertThrows(NullPointerException.class, () -> z.put("a", null));
    Map<String, Inet4Address> nullAddress = new HashMap<>();
    nullAddress.put("a", null);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> z.replaceAll(nullAddress));
    assertEquals("VM a has no address (null)", e.getMessage());
    assertEquals(Map.of(), z.snapshot());
  }
}
