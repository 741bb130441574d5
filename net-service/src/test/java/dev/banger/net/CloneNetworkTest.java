package dev.banger.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.CreateCloneNetworkRequest;
import dev.banger.api.net.v1.CreateCloneNetworkResponse;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.Lease;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.ListTapsRequest;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.ReleaseTapRequest;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.Tap;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.net.testing.ChildNetService;
import dev.banger.net.testing.FakeGuest;
import dev.banger.net.testing.NetNamespace;
import dev.banger.net.testing.NetProbes;
import dev.banger.net.testing.NetTestTeardown;
import dev.banger.net.testing.RootNamespaceGuard;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * CreateCloneNetwork against real ip, nft and sysctl: the namespace built around a tap a process
 * holds open, read back from inside, and real traffic through it (a fake guest on the tap, the
 * bridge side in the test's namespace); repeats, refusals, a failure part way, release by
 * ReleaseTap and ReleaseIp, and a kill -9 restart that keeps a leased clone's namespace and deletes
 * an orphan. The service shares the host's mount namespace, as in production, so its namespaces
 * outlive a restart and are read here with {@code ip -n}; any the service left fails the class
 * ({@link NetTestTeardown}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CloneNetworkTest {

  static final String GATEWAY = "172.16.0.1";

  /** The snapshot source's address, which every clone's guest believes it has. */
  static final String GUEST = "172.16.0.200";

  @TempDir static Path dir;
  static RootNamespaceGuard root;
  static NetNamespace ns;
  static ChildNetService svc;
  static String install;
  static NetNamespace.State start;
  static final List<String> madeByTest = new ArrayList<>();

  @BeforeAll
  static void up() throws Exception {
    root = RootNamespaceGuard.capture();
    ns = NetNamespace.create();
    svc =
        ChildNetService.startSharingMounts(ns, dir, "owner = \"1000\"\n[net]\ntap_pool_size = 0\n");
    svc.stub().ensureBridge(EnsureBridgeRequest.getDefaultInstance());
    install = svc.installId();
    start = state();
  }

  @AfterAll
  static void down() throws Exception {
    try {
      for (String n : madeByTest) {
        NetNamespace.named(n).close();
      }
    } finally {
      NetTestTeardown.close(svc, ns, root); // fails on any clone namespace the service left
    }
  }

  @Test
  @Order(1)
  void refusedWithoutALeaseOrATapAndNothingChanges() throws Exception {
    String vm = UUID.randomUUID().toString();
    assertReason(Status.Code.FAILED_PRECONDITION, "LEASE_REQUIRED", () -> clone(vm, GUEST));
    lease(vm, "tapless");
    assertReason(Status.Code.FAILED_PRECONDITION, "TAP_REQUIRED", () -> clone(vm, GUEST));
    releaseIp(vm);
    assertEquals(start, state());
    assertEquals(List.of(), NetNamespace.namesStartingWith("bcl-" + install));
  }

  @Test
  @Order(2)
  void buildsTheNamespaceAroundTheOpenTapAndTrafficFlowsBothWays() throws Exception {
    String vm = UUID.randomUUID().toString();
    Lease lease = lease(vm, "alpha");
    Tap tap = acquire(vm);
    String bridgeMac = ns.link("br-banger").path("address").asText();
    try (FakeGuest guest =
        FakeGuest.open(ns, tap.getName(), GUEST, GATEWAY, "02:11:22:33:44:55", dir)) {
      CreateCloneNetworkResponse r = clone(vm, GUEST);
      assertEquals("bcl-" + install + "-" + vm, r.getNamespace());
      assertEquals(lease.getIpAddress(), r.getIp());
      NetNamespace c = NetNamespace.named(r.getNamespace());

      assertNull(ns.link(tap.getName()), "the tap left the service's namespace");
      String vethName = vethOf(vm);
      JsonNode veth = ns.link(vethName);
      assertEquals("veth", veth.path("linkinfo").path("info_kind").asText());
      assertEquals("br-banger", veth.path("master").asText());
      assertTrue(NetProbes.flags(veth).contains("UP"));
      assertEquals("banger:" + install + ":clone:" + vm, veth.path("ifalias").asText());

      JsonNode uplink = c.link("uplink");
      assertEquals("veth", uplink.path("linkinfo").path("info_kind").asText());
      assertTrue(NetProbes.flags(uplink).contains("UP"));
      String u = lease.getIpAddress();
      assertTrue(c.ip("-4", "addr", "show", "dev", "uplink").contains("inet " + u + "/24"));
      JsonNode inside = c.link(tap.getName());
      assertEquals("tap", inside.path("linkinfo").path("info_data").path("type").asText());
      assertEquals(1000, NetNamespace.tapOwner(inside), "still the VMM's tap");
      assertTrue(NetProbes.flags(inside).contains("UP"));
      assertTrue(NetProbes.flags(inside).contains("LOWER_UP"), "held open across the move");
      assertEquals(bridgeMac, inside.path("address").asText(), "the gateway's MAC");
      assertEquals("banger:" + install + ":vm:" + vm, inside.path("ifalias").asText());
      assertEquals("", c.ip("-4", "addr", "show", "dev", tap.getName()).strip(), "no address");
      String routes = c.ip("-4", "route", "show");
      assertTrue(routes.contains("default via 172.16.0.1 dev uplink"), routes);
      assertTrue(routes.contains(GUEST + " dev " + tap.getName() + " scope link"), routes);
      assertEquals("1", c.exec("sysctl", "-n", "net.ipv4.ip_forward").strip());
      assertEquals(
          "1", c.exec("sysctl", "-n", "net.ipv4.conf." + tap.getName() + ".proxy_arp").strip());
      assertEquals(
          "0", c.exec("sysctl", "-n", "net.ipv4.neigh." + tap.getName() + ".proxy_delay").strip());
      String rules = c.ruleset();
      assertTrue(rules.contains("iifname \"uplink\" ip daddr " + u + " dnat to " + GUEST), rules);
      assertTrue(rules.contains("oifname \"uplink\" ip saddr " + GUEST + " snat to " + u), rules);
      assertTrue(rules.contains("meta pkttype other meta pkttype set host"), rules);

      // The bridge reaches the guest at U; the guest answers to a stale gateway MAC, learns the
      // gateway's MAC by proxy ARP, and its own datagram reaches the bridge from U.
      String out = FakeGuest.exchange(ns, u, GATEWAY);
      assertTrue(out.contains("ECHO ping " + u + " 7"), out);
      assertTrue(out.contains("GUEST hello " + u), out);
      assertEquals("ECHOED from " + GATEWAY, guest.await("ECHOED"));
      assertEquals("GWMAC " + bridgeMac, guest.await("GWMAC"), guest.output());

      assertEquals(r, clone(vm, GUEST), "a repeat answers the same");
      assertEquals(veth.path("ifindex"), ns.link(vethName).path("ifindex"), "and builds nothing");
      assertReason(
          Status.Code.FAILED_PRECONDITION,
          "CLONE_GUEST_IP_DIFFERS",
          () -> clone(vm, "172.16.0.201"));
      assertEquals(tap.getName(), acquire(vm).getName(), "AcquireTap: the same tap, moved");
      assertNull(ns.link(tap.getName()), "no second tap on the bridge");
      assertTrue(listedTaps().contains(tap.getName()));
    }
  }

  @Test
  @Order(3)
  void releaseTapRemovesTheNamespaceWithVethAndTap() throws Exception {
    Lease l = leaseOf("alpha");
    String vm = l.getVmId();
    String name = "bcl-" + install + "-" + vm;
    assertTrue(Files.exists(Path.of("/run/netns", name)));
    assertTrue(releaseTap(vm));
    assertFalse(Files.exists(Path.of("/run/netns", name)));
    assertNull(ns.link(vethOf(vm)), "the veth's host end went at once");
    assertFalse(releaseTap(vm));
    assertTrue(listedTaps().isEmpty());
    Tap fresh = acquire(vm);
    assertEquals("br-banger", ns.link(fresh.getName()).path("master").asText());
    releaseIp(vm);
    assertEquals(start, state());
  }

  @Test
  @Order(4)
  void twoClonesOfOneSnapshotSideBySideAndReleaseIpRemovesEach() throws Exception {
    List<String> vms = List.of(UUID.randomUUID().toString(), UUID.randomUUID().toString());
    List<String> ips = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      lease(vms.get(i), "twin" + i);
      acquire(vms.get(i));
      ips.add(clone(vms.get(i), GUEST).getIp());
    }
    assertNotEquals(ips.get(0), ips.get(1));
    for (int i = 0; i < 2; i++) {
      NetNamespace c = NetNamespace.named("bcl-" + install + "-" + vms.get(i));
      assertTrue(c.ip("-4", "addr", "show", "dev", "uplink").contains("inet " + ips.get(i) + "/"));
      assertTrue(c.ruleset().contains("dnat to " + GUEST));
    }
    for (String vm : vms) {
      releaseIp(vm);
      assertFalse(Files.exists(Path.of("/run/netns", "bcl-" + install + "-" + vm)));
    }
    assertEquals(start, state());
  }

  @Test
  @Order(5)
  void aFailurePartWayRemovesTheNamespaceAndLeavesTheTapOnTheBridge() throws Exception {
    String vm = UUID.randomUUID().toString();
    lease(vm, "blocked");
    Tap tap = acquire(vm);
    ns.ip("tuntap", "add", "dev", vethOf(vm), "mode", "tap"); // another link on the veth's name
    String stranger = ns.link(vethOf(vm)).toString();
    assertReason(Status.Code.FAILED_PRECONDITION, "CLONE_LINK_TAKEN", () -> clone(vm, GUEST));
    assertEquals(List.of(), NetNamespace.namesStartingWith("bcl-" + install));
    JsonNode t = ns.link(tap.getName());
    assertEquals("br-banger", t.path("master").asText(), "the tap never left");
    assertTrue(NetProbes.flags(t).contains("UP"));
    assertEquals(stranger, ns.link(vethOf(vm)).toString(), "the other link is untouched");
    ns.ip("link", "del", "dev", vethOf(vm));
    assertEquals(lease(vm, "blocked").getIpAddress(), clone(vm, GUEST).getIp(), "then it works");
    releaseIp(vm);
    assertEquals(start, state());
  }

  @Test
  @Order(6)
  void aRestartKeepsALeasedClonesNamespaceAndDeletesAnOrphan() throws Exception {
    String vm = UUID.randomUUID().toString();
    lease(vm, "survivor");
    Tap tap = acquire(vm);
    String name = clone(vm, GUEST).getNamespace();
    JsonNode before = NetNamespace.named(name).link(tap.getName());
    String orphan = "bcl-" + install + "-" + UUID.randomUUID();
    String foreign = "bcl-" + (install.equals("0badc0de") ? "0badc0df" : "0badc0de") + "-" + vm;
    for (String n : List.of(orphan, foreign)) {
      madeByTest.add(n);
      netnsAdd(n);
    }
    svc.kill9();
    svc.restart();
    assertTrue(Files.exists(Path.of("/run/netns", name)), "the leased clone's namespace stays");
    JsonNode after = NetNamespace.named(name).link(tap.getName());
    assertNotNull(after, "with its tap in it");
    assertEquals(before.path("ifindex"), after.path("ifindex"), "the same link");
    assertTrue(listedTaps().contains(tap.getName()), "adopted: ListTaps shows it");
    assertFalse(Files.exists(Path.of("/run/netns", orphan)), "a clone namespace without a lease");
    assertTrue(Files.exists(Path.of("/run/netns", foreign)), "another installation's is left");
    assertTrue(svc.log().contains("reconcile: deleting clone namespace " + orphan));
    assertEquals(name, clone(vm, GUEST).getNamespace(), "the same answer after the restart");
    releaseIp(vm);
    assertFalse(Files.exists(Path.of("/run/netns", name)));

    // No tap on record at all: release still finds the namespace by the VM's id.
    String bare = UUID.randomUUID().toString();
    lease(bare, "bare");
    netnsAdd("bcl-" + install + "-" + bare);
    assertTrue(releaseTap(bare), "a clone namespace counts as released");
    assertFalse(Files.exists(Path.of("/run/netns", "bcl-" + install + "-" + bare)));
    releaseIp(bare);
    assertEquals(start, state());
    assertTrue(svc.stub().removeBridge(RemoveBridgeRequest.getDefaultInstance()).getDeleted());
  }

  /**
   * The namespace's state without the bridge's MAC: a Linux bridge whose MAC was never set takes
   * its lowest port's, and all zeros with no port, so it moves with every tap that comes and goes.
   */
  static NetNamespace.State state() throws Exception {
    NetNamespace.State s = ns.state();
    return new NetNamespace.State(
        s.links().replaceAll("(?m)^(link br-banger .*) mac=\\S+$", "$1 mac=?"),
        s.ruleset(),
        s.ipForward());
  }

  static void netnsAdd(String name) throws Exception {
    new HostCommandRunner().check(Command.of("ip", "netns", "add", name).build());
  }

  static String vethOf(String vm) {
    return "tc-" + vm.replace("-", "").substring(0, 12);
  }

  static CreateCloneNetworkResponse clone(String vm, String guest) {
    return svc.stub()
        .createCloneNetwork(
            CreateCloneNetworkRequest.newBuilder()
                .setRequestId("clone-" + vm)
                .setVmId(vm)
                .setGuestIp(guest)
                .build());
  }

  static Lease lease(String vm, String name) {
    return svc.stub()
        .leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName(name).build())
        .getLease();
  }

  static Lease leaseOf(String name) {
    return svc
        .stub()
        .listLeases(dev.banger.api.net.v1.ListLeasesRequest.getDefaultInstance())
        .getLeasesList()
        .stream()
        .filter(l -> l.getVmName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  static Tap acquire(String vm) {
    return svc.stub()
        .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
        .getTap();
  }

  static boolean releaseTap(String vm) {
    return svc.stub().releaseTap(ReleaseTapRequest.newBuilder().setVmId(vm).build()).getExisted();
  }

  static void releaseIp(String vm) {
    assertTrue(
        svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(vm).build()).getExisted());
  }

  static List<String> listedTaps() {
    return svc.stub().listTaps(ListTapsRequest.getDefaultInstance()).getTapsList().stream()
        .map(Tap::getName)
        .toList();
  }

  static void assertReason(Status.Code code, String reason, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertEquals(reason, Errors.errorInfo(e).orElseThrow().getReason(), e.toString());
  }
}
