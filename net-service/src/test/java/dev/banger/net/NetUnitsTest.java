package dev.banger.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.net.Ipv4Cidr;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The pure pieces: address choice, MACs, tap and clone names and marks, the NAT and clone scripts,
 * guest addresses, uid rules, locks.
 */
class NetUnitsTest {

  static final Ipv4Cidr NET = Ipv4Cidr.parse("10.0.0.1/29"); // hosts .1-.6; .1 is the bridge

  static int a(String s) {
    return Ipv4Cidr.parseAddress(s);
  }

  @Test
  void allocatorTakesTheLowestFreeHostSkippingBridgeNetworkAndBroadcast() {
    assertEquals(a("10.0.0.2"), AddressAllocator.pick(NET, Set.of(), Map.of(), 0, 1000).getAsInt());
    assertEquals(
        a("10.0.0.4"),
        AddressAllocator.pick(NET, Set.of(a("10.0.0.2"), a("10.0.0.3")), Map.of(), 0, 1000)
            .getAsInt());
    Ipv4Cidr high = Ipv4Cidr.parse("10.0.0.6/29"); // the bridge may sit anywhere in its network
    assertEquals(
        a("10.0.0.1"), AddressAllocator.pick(high, Set.of(), Map.of(), 0, 1000).getAsInt());
  }

  @Test
  void freshReleasesWaitAndTheOldestComesBackWhenTheNetworkIsFull() {
    Set<Integer> leased = Set.of(a("10.0.0.2"), a("10.0.0.3"), a("10.0.0.4"));
    Map<Integer, Long> released = Map.of(a("10.0.0.5"), 900L, a("10.0.0.6"), 800L);
    assertEquals(
        a("10.0.0.6"),
        AddressAllocator.pick(NET, leased, released, 1000, 500).getAsInt(),
        "both fresh: the one released longest ago");
    assertEquals(
        a("10.0.0.6"),
        AddressAllocator.pick(NET, leased, released, 1350, 500).getAsInt(),
        ".6 is out of quarantine first; .5 is skipped while fresh");
    assertEquals(
        a("10.0.0.5"),
        AddressAllocator.pick(NET, leased, released, 1400, 500).getAsInt(),
        "both out of quarantine: lowest first");
    Set<Integer> all =
        Set.of(a("10.0.0.2"), a("10.0.0.3"), a("10.0.0.4"), a("10.0.0.5"), a("10.0.0.6"));
    assertTrue(AddressAllocator.pick(NET, all, Map.of(), 0, 0).isEmpty());
    assertTrue(
        AddressAllocator.pick(NET, all, released, 0, 0).isEmpty(),
        "a released address leased again is not free");
  }

  @Test
  void allocatorHandlesTheTopOfTheAddressSpace() {
    Ipv4Cidr top = Ipv4Cidr.parse("223.255.255.1/30");
    assertEquals(
        a("223.255.255.2"), AddressAllocator.pick(top, Set.of(), Map.of(), 0, 0).getAsInt());
  }

  @Test
  void macsAreStableLocallyAdministeredUnicastAndDifferPerVmAndAttempt() {
    String vm = UUID.randomUUID().toString();
    String mac = MacAddresses.forVm(vm, 0);
    assertEquals(mac, MacAddresses.forVm(vm, 0));
    assertTrue(mac.matches("02(:[0-9a-f]{2}){5}"), mac);
    assertNotEquals(mac, MacAddresses.forVm(vm, 1));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      assertTrue(seen.add(MacAddresses.forVm(UUID.randomUUID().toString(), 0)));
    }
  }

  @Test
  void tapNamesFitTheKernelAndMarksAreReadOnlyForThisInstallation() {
    String vm = "3f0c2a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6";
    assertEquals(List.of("tb-3f0c2a9e", "tb-3f0c2a9e1b2d"), TapMarks.vmTapNames(vm));
    TapMarks.vmTapNames(vm).forEach(n -> assertTrue(n.length() <= 15, n));
    assertTrue(TapMarks.poolTapName("0011aabb").length() <= 15);
    TapMarks marks = new TapMarks("0123abcd");
    assertEquals(new TapMarks.VmTap(vm), marks.read(marks.vmMark(vm)));
    assertEquals(new TapMarks.PoolTap(), marks.read(marks.poolMark()));
    assertInstanceOf(TapMarks.NotOurs.class, marks.read(new TapMarks("ffffffff").vmMark(vm)));
    assertInstanceOf(TapMarks.NotOurs.class, marks.read(""));
    assertInstanceOf(TapMarks.NotOurs.class, marks.read("banger:0123abcd:pool "));
    assertInstanceOf(TapMarks.NotOurs.class, marks.read("banger:0123abcd:vm:x"));
    assertThrows(IllegalArgumentException.class, () -> new TapMarks("0123abc;"));
  }

  @Test
  void cloneNamesCarryTheWholeVmIdAndAreReadOnlyForThisInstallation() {
    String vm = "3f0c2a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6";
    TapMarks marks = new TapMarks("0123abcd");
    String ns = marks.cloneNamespace(vm);
    assertEquals("bcl-0123abcd-" + vm, ns);
    assertEquals(java.util.Optional.of(vm), marks.cloneVm(ns));
    assertTrue(new TapMarks("ffffffff").cloneVm(ns).isEmpty(), "another installation's");
    assertTrue(marks.cloneVm("bcl-0123abcd-" + vm.toUpperCase()).isEmpty());
    assertTrue(marks.cloneVm(ns + "x").isEmpty());
    assertTrue(marks.cloneVm("banger-t-0123abcd").isEmpty());
    assertEquals("tc-3f0c2a9e1b2d", TapMarks.cloneVethName(vm));
    assertEquals(15, TapMarks.cloneVethName(vm).length());
    assertInstanceOf(TapMarks.NotOurs.class, marks.read(marks.cloneMark(vm)), "not a tap's mark");
  }

  @Test
  void cloneRulesetTranslatesBothWaysAndReadsBack() throws Exception {
    String s = CloneRuleset.render("tb-3f0c2a9e", a("172.16.0.7"), a("172.16.0.200"));
    assertTrue(s.contains("iifname \"uplink\" ip daddr 172.16.0.7 dnat to 172.16.0.200"), s);
    assertTrue(s.contains("oifname \"uplink\" ip saddr 172.16.0.200 snat to 172.16.0.7"), s);
    assertTrue(s.contains("hook ingress device \"tb-3f0c2a9e\""), s);
    assertThrows(
        IllegalArgumentException.class,
        () -> CloneRuleset.render("tb\" accept; #", a("172.16.0.7"), a("172.16.0.200")));
    String json =
        """
        {"nftables": [{"metainfo": {"version": "1.0.6"}},
          {"table": {"family": "ip", "name": "banger_clone", "handle": 1}},
          {"rule": {"family": "ip", "table": "banger_clone", "chain": "prerouting", "handle": 3,
            "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "uplink"}},
              {"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "daddr"}},
                "right": "172.16.0.7"}},
              {"dnat": {"addr": "172.16.0.200"}}]}}]}
        """;
    assertEquals(
        java.util.Optional.of(new CloneRuleset.Read(a("172.16.0.7"), a("172.16.0.200"))),
        CloneRuleset.read(json));
    assertTrue(CloneRuleset.read("{\"nftables\": []}").isEmpty());
  }

  @Test
  void aGuestAddressMustBeAnotherHostOfTheLeasesNetwork() {
    Lease l =
        new Lease(
            "3f0c2a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6",
            "a",
            "br-banger",
            a("172.16.0.7"),
            Ipv4Cidr.parse("172.16.0.1/24"),
            "02:00:00:00:00:01",
            false);
    NetArgs.guestIpOn(a("172.16.0.200"), l);
    NetArgs.guestIpOn(a("172.16.0.2"), l);
    for (String bad :
        List.of(
            "172.16.0.0", "172.16.0.255", "172.16.0.1", "172.16.0.7", "172.16.1.2", "10.0.0.2")) {
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> NetArgs.guestIpOn(a(bad), l), bad);
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().startsWith("guest_ip " + bad + " "));
    }
  }

  @Test
  void natScriptReplacesOnlyOurTableAndRemovesItWhenEmpty() {
    assertEquals("table ip banger\ndelete table ip banger\n", NatRuleset.render(List.of(), null));
    Lease l =
        new Lease(
            "3f0c2a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6",
            "a",
            "br-banger",
            a("172.16.0.2"),
            Ipv4Cidr.parse("172.16.0.1/24"),
            "02:00:00:00:00:01",
            true);
    String s = NatRuleset.render(List.of(l), "eth0");
    assertTrue(s.startsWith("table ip banger\ndelete table ip banger\ntable ip banger {\n"), s);
    assertTrue(
        s.contains(
            "oifname \"eth0\" ip saddr 172.16.0.2 masquerade comment \"vm:" + l.vmId() + "\""),
        s);
    assertTrue(s.contains("iifname \"br-banger\" oifname \"eth0\" ip saddr 172.16.0.2 accept"), s);
    assertTrue(
        s.contains(
            "iifname \"eth0\" oifname \"br-banger\" ip daddr 172.16.0.2 ct state established,related accept"),
        s);
    assertFalse(s.replace("table ip banger", "").contains("table"), "names no other table: " + s);
    assertThrows(
        IllegalArgumentException.class, () -> NatRuleset.render(List.of(l), "eth0\" accept; #"));
  }

  @Test
  void aTapForAnotherUserIsRootsAloneToAskFor() {
    PeerCredentials owner = new PeerCredentials(10, 1000, 1000);
    PeerCredentials root = new PeerCredentials(11, 0, 0);
    assertEquals(1000, NetArgs.tapOwner(0, owner), "0 means the caller");
    assertEquals(1000, NetArgs.tapOwner(1000, owner));
    assertEquals(1234, NetArgs.tapOwner(1234, root));
    assertEquals(0, NetArgs.tapOwner(0, root));
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> NetArgs.tapOwner(0 + 1234, owner));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertThrows(StatusRuntimeException.class, () -> NetArgs.tapOwner(0, null));
    assertEquals(
        Status.Code.INVALID_ARGUMENT,
        assertThrows(StatusRuntimeException.class, () -> NetArgs.tapOwner(-1, root))
            .getStatus()
            .getCode());
  }

  @Test
  void locksForDifferentKeysDoNotWaitForEachOther() throws Exception {
    KeyedLocks locks = new KeyedLocks();
    CountDownLatch inA = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread a =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    locks.with(
                        "a",
                        () -> {
                          inA.countDown();
                          release.await();
                          return null;
                        });
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    assertTrue(inA.await(5, TimeUnit.SECONDS));
    assertEquals("b", locks.with("b", () -> "b"), "b runs while a is held");
    CountDownLatch sameKey = new CountDownLatch(1);
    Thread waiter =
        Thread.ofVirtual()
            .start(
                () -> {
                  try {
                    locks.with(
                        "a",
                        () -> {
                          sameKey.countDown();
                          return null;
                        });
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
    assertFalse(sameKey.await(200, TimeUnit.MILLISECONDS), "a second holder of a waits");
    release.countDown();
    assertTrue(sameKey.await(5, TimeUnit.SECONDS));
    a.join();
    waiter.join();
    assertEquals(0, locks.size(), "locks nobody holds are dropped");
  }
}
