package dev.banger.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.CreateCloneNetworkRequest;
import dev.banger.api.net.v1.EnableNatRequest;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.Lease;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.ListLeasesRequest;
import dev.banger.api.net.v1.ListTapsRequest;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.Tap;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.net.testing.ChildNetService;
import dev.banger.net.testing.NetNamespace;
import dev.banger.net.testing.NetProbes;
import dev.banger.net.testing.NetTestTeardown;
import dev.banger.net.testing.RootNamespaceGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of net-service in the middle of a storm of lease + tap + NAT calls, plus damage done
 * while it is down; the restart must reconcile: running VMs keep their taps (same link, not
 * re-made), strays marked as ours go, other software's links stay, the pool refills, the NAT table
 * matches the leases. Then the interrupted work completes on retry, and releasing it all leaves the
 * namespace as it began. Last, a clone namespace made by a service under {@code ip netns exec}: it
 * dies with the service's mount namespace, and the restarted service deletes the name left behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconcileTest {

  static final int POOL = 3;
  static final int SETTLED = 6;
  static final int STORM = 16;

  @TempDir static Path dir;
  static RootNamespaceGuard root;
  static NetNamespace ns;
  static ChildNetService svc;

  @BeforeAll
  static void up() throws Exception {
    root = RootNamespaceGuard.capture();
    ns = NetNamespace.create();
    ns.ip("link", "add", "bu-up0", "type", "veth", "peer", "name", "bu-up1");
    ns.ip("link", "set", "bu-up0", "up");
    ns.ip("link", "set", "bu-up1", "up");
    ns.ip("route", "add", "default", "dev", "bu-up0");
    ns.execWithStdin(
        "table inet other {\n chain input { type filter hook input priority 0; policy accept; }\n}\n",
        "nft",
        "-f",
        "-");
    // Other software's taps: one unmarked, one marked by another banger installation.
    ns.ip("tuntap", "add", "dev", "tb-foreign", "mode", "tap");
    ns.ip("tuntap", "add", "dev", "tb-f0f0f0f0", "mode", "tap", "user", "1000");
    ns.ip("link", "set", "dev", "tb-f0f0f0f0", "alias", "banger:ffffffff:vm:" + UUID.randomUUID());
    svc =
        ChildNetService.start(
            ns,
            dir,
            """
        owner = "1000"
        [net]
        tap_pool_size = %d
        """
                .formatted(POOL));
  }

  @AfterAll
  static void down() throws Exception {
    NetTestTeardown.close(svc, ns, root);
  }

  @Test
  @Order(1)
  void killNineMidStormThenRestartReconciles() throws Exception {
    NetNamespace.State start = ns.state();
    String foreignTap = ns.link("tb-foreign").toString();
    String otherInstall = ns.link("tb-f0f0f0f0").toString();
    svc.stub().ensureBridge(EnsureBridgeRequest.getDefaultInstance());
    List<String> settled = new ArrayList<>();
    Map<String, JsonNode> tapsBefore = new HashMap<>();
    for (int i = 0; i < SETTLED; i++) {
      String vm = UUID.randomUUID().toString();
      settled.add(vm);
      svc.stub().leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName("settled" + i).build());
      Tap t =
          svc.stub()
              .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
              .getTap();
      if (i < 2) {
        svc.stub().enableNat(EnableNatRequest.newBuilder().setVmId(vm).build());
      }
      tapsBefore.put(vm, ns.link(t.getName()));
    }

    // The storm: lease, tap, and NAT for every other VM, 8 at a time; kill -9 after 4 taps are
    // done.
    List<String> storm = new ArrayList<>();
    for (int i = 0; i < STORM; i++) {
      storm.add(UUID.randomUUID().toString());
    }
    CountDownLatch fourDone = new CountDownLatch(4);
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    for (int i = 0; i < STORM; i++) {
      String vm = storm.get(i);
      int n = i;
      pool.submit(
          () -> {
            try {
              svc.stub()
                  .leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName("storm" + n).build());
              svc.stub()
                  .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build());
              if (n % 2 == 0) {
                svc.stub().enableNat(EnableNatRequest.newBuilder().setVmId(vm).build());
              }
              done.incrementAndGet();
              fourDone.countDown();
            } catch (RuntimeException e) {
              // UNAVAILABLE once the service is killed: expected.
            }
          });
    }
    assertTrue(fourDone.await(60, TimeUnit.SECONDS), "the storm got going");
    svc.kill9();
    int doneAtKill = done.get();
    pool.shutdown();
    assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
    assertTrue(
        doneAtKill < STORM, "killed mid-storm: " + doneAtKill + " of " + STORM + " finished");

    // Damage while it is down.
    String install = installId();
    String stray = "tb-0badc0de";
    ns.ip("tuntap", "add", "dev", stray, "mode", "tap", "user", "1000");
    ns.ip("link", "set", "dev", stray, "alias", "banger:" + install + ":vm:" + UUID.randomUUID());
    ns.ip("tuntap", "add", "dev", "tbp-0badc0de", "mode", "tap", "user", "1001");
    ns.ip("link", "set", "dev", "tbp-0badc0de", "alias", "banger:" + install + ":pool");
    String detached = tapsBefore.get(settled.get(0)).path("ifname").asText();
    ns.ip("link", "set", "dev", detached, "nomaster");
    ns.ip("link", "set", "dev", detached, "down");
    ns.exec("nft", "delete", "table", "ip", "banger");

    svc.restart();

    Map<String, Lease> leases = new HashMap<>();
    for (Lease l : svc.stub().listLeases(ListLeasesRequest.getDefaultInstance()).getLeasesList()) {
      leases.put(l.getVmId(), l);
    }
    assertTrue(leases.keySet().containsAll(settled), "settled leases survive");
    for (String vm : settled) {
      JsonNode before = tapsBefore.get(vm);
      JsonNode now = ns.link(before.path("ifname").asText());
      assertNotNull(now, "running VM's tap kept: " + before.path("ifname"));
      assertEquals(
          before.path("ifindex").asInt(),
          now.path("ifindex").asInt(),
          "the same link, not a new one");
      assertEquals(
          "br-banger",
          now.path("master").asText(),
          "attached (re-attached if it had lost the bridge)");
      assertTrue(NetProbes.flags(now).contains("UP"));
    }
    assertNull(ns.link(stray), "a tap marked ours without a lease is deleted");
    assertNull(ns.link("tbp-0badc0de"), "a warm tap with the wrong owner is deleted");
    assertEquals(foreignTap, ns.link("tb-foreign").toString(), "unmarked tap untouched");
    assertEquals(
        otherInstall, ns.link("tb-f0f0f0f0").toString(), "another installation's tap untouched");
    Set<String> markedVms = new HashSet<>();
    for (String name : ns.linksWithAlias("banger:" + install + ":vm:")) {
      String alias = ns.link(name).path("ifalias").asText();
      markedVms.add(alias.substring(alias.lastIndexOf(':') + 1));
    }
    assertTrue(
        leases.keySet().containsAll(markedVms), "every tap marked ours belongs to a leased VM");
    Set<String> listed = new HashSet<>();
    svc.stub()
        .listTaps(ListTapsRequest.getDefaultInstance())
        .getTapsList()
        .forEach(t -> listed.add(t.getVmId()));
    assertEquals(markedVms, listed, "ListTaps is what the host has");
    NetProbes.awaitPool(ns, POOL);
    Set<String> natted = new HashSet<>();
    leases.values().stream().filter(Lease::getNat).forEach(l -> natted.add(l.getIpAddress()));
    assertEquals(natted, NetProbes.masqueraded(ns), "NAT table rebuilt from the leases");
    assertEquals("1", ns.ipForward());

    // Retry the storm: everything completes, each VM with its own tap.
    Set<String> names = new HashSet<>();
    for (int i = 0; i < STORM; i++) {
      String vm = storm.get(i);
      svc.stub().leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName("storm" + i).build());
      names.add(
          svc.stub()
              .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
              .getTap()
              .getName());
    }
    assertEquals(STORM, names.size());

    for (Lease l : svc.stub().listLeases(ListLeasesRequest.getDefaultInstance()).getLeasesList()) {
      assertTrue(
          svc.stub()
              .releaseIp(ReleaseIpRequest.newBuilder().setVmId(l.getVmId()).build())
              .getExisted());
    }
    assertTrue(svc.stub().removeBridge(RemoveBridgeRequest.getDefaultInstance()).getDeleted());
    assertEquals(start, ns.state(), "nothing left behind");
    assertFalse(svc.log().contains(" ERROR "), "no step of reconcile failed");
  }

  @Test
  @Order(2)
  void aRebootLosesBridgeAndTapsAndStartUpMakesTheBridgeAgain() throws Exception {
    NetNamespace.State start = ns.state();
    svc.stub().ensureBridge(EnsureBridgeRequest.getDefaultInstance());
    String vm = UUID.randomUUID().toString();
    Lease lease =
        svc.stub()
            .leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName("survivor").build())
            .getLease();
    Tap tap =
        svc.stub()
            .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
            .getTap();
    svc.stop();
    // What a reboot does to runtime state: every link banger made is gone.
    for (String l : ns.linksWithAlias("banger:" + installId() + ":")) {
      ns.ip("link", "del", "dev", l);
    }
    ns.ip("link", "del", "dev", "br-banger");
    svc.restart();
    JsonNode br = ns.link("br-banger");
    assertNotNull(br, "the recorded bridge is made again");
    assertTrue(NetProbes.flags(br).contains("UP"));
    assertTrue(ns.ip("-4", "addr", "show", "dev", "br-banger").contains("172.16.0.1/24"));
    assertEquals(
        List.of(lease),
        svc.stub().listLeases(ListLeasesRequest.getDefaultInstance()).getLeasesList(),
        "the lease is a durable fact");
    assertEquals(0, svc.stub().listTaps(ListTapsRequest.getDefaultInstance()).getTapsCount());
    Tap again =
        svc.stub()
            .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
            .getTap();
    assertEquals(tap.getName(), again.getName(), "the same name for the same VM");

    // No default route and no [net] uplink: NAT is refused and nothing changes.
    ns.ip("route", "del", "default");
    String rules = ns.ruleset();
    io.grpc.StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            io.grpc.StatusRuntimeException.class,
            () -> svc.stub().enableNat(EnableNatRequest.newBuilder().setVmId(vm).build()));
    assertEquals("NO_UPLINK", dev.banger.kit.grpc.Errors.errorInfo(e).orElseThrow().getReason());
    assertFalse(
        svc.stub().listLeases(ListLeasesRequest.getDefaultInstance()).getLeases(0).getNat());
    assertEquals(rules, ns.ruleset());
    assertEquals("0", ns.ipForward());
    ns.ip("route", "add", "default", "dev", "bu-up0");

    assertTrue(
        svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(vm).build()).getExisted());
    assertNull(ns.link(again.getName()), "releasing the lease takes the tap with it");
    assertTrue(svc.stub().removeBridge(RemoveBridgeRequest.getDefaultInstance()).getDeleted());
    assertEquals(start, ns.state());
  }

  @Test
  @Order(3)
  void aTapLeftUnmarkedByACrashIsDeletedButAStrangersIsNot() throws Exception {
    NetNamespace.State start = ns.state();
    svc.stop();
    // A crash between "tuntap add" and "link set alias": the tap exists, unmarked, its name
    // recorded.
    ns.ip("tuntap", "add", "dev", "tbp-deadbeef", "mode", "tap");
    ns.ip(
        "tuntap", "add", "dev", "tbp-cafecafe", "mode", "tap"); // same look, but nobody recorded it
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + svc.database())) {
      c.createStatement()
          .executeUpdate(
              "INSERT INTO host_settings(key, value) VALUES ('pending_link:tbp-deadbeef', '1')");
    }
    svc.restart();
    assertNull(ns.link("tbp-deadbeef"), "the half-made tap is gone");
    assertNotNull(ns.link("tbp-cafecafe"), "an unrecorded link is a stranger's, left alone");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + svc.database());
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT COUNT(*) FROM host_settings WHERE key LIKE 'pending_link:%'")) {
      assertTrue(rs.next());
      assertEquals(0, rs.getInt(1), "the record is cleared");
    }
    ns.ip("link", "del", "dev", "tbp-cafecafe");
    assertEquals(start, ns.state());
  }

  @Test
  @Order(4)
  void aCloneNamespaceDiesWithTheServicesMountNamespaceAndStartUpClearsItsName() throws Exception {
    NetNamespace.State start = ns.state();
    svc.stub().ensureBridge(EnsureBridgeRequest.getDefaultInstance());
    String vm = UUID.randomUUID().toString();
    svc.stub().leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName("cloned").build());
    Tap tap =
        svc.stub()
            .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
            .getTap();
    String name =
        svc.stub()
            .createCloneNetwork(
                CreateCloneNetworkRequest.newBuilder()
                    .setVmId(vm)
                    .setGuestIp("172.16.0.200")
                    .build())
            .getNamespace();
    // Under ip netns exec the service has a mount namespace of its own: the name shows in the
    // host's /run/netns, but the mount that makes it a namespace is the service's alone.
    Path entry = Path.of("/run/netns", name);
    assertTrue(Files.exists(entry));
    assertFalse(
        new HostCommandRunner().run(Command.of("ip", "-n", name, "link").build()).succeeded(),
        "the host cannot enter it");
    svc.kill9(); // the mount namespace goes, and with it the clone namespace, veth and tap
    svc.restart();
    assertFalse(Files.exists(entry), "start-up deleted the stale name");
    assertTrue(svc.log().contains("reconcile: deleting clone namespace " + name), svc.log());
    assertTrue(svc.stub().listTaps(ListTapsRequest.getDefaultInstance()).getTapsList().isEmpty());
    Tap again =
        svc.stub()
            .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(1000).build())
            .getTap();
    assertEquals(tap.getName(), again.getName(), "a new tap under the VM's name, on the bridge");
    assertEquals("br-banger", ns.link(again.getName()).path("master").asText());
    assertTrue(
        svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(vm).build()).getExisted());
    assertTrue(svc.stub().removeBridge(RemoveBridgeRequest.getDefaultInstance()).getDeleted());
    assertEquals(start, ns.state());
  }

  static String installId() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + svc.database());
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT value FROM host_settings WHERE key = 'install_id'")) {
      assertTrue(rs.next());
      return rs.getString(1);
    }
  }
}
