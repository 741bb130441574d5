package dev.banger.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.api.net.v1.DnsRecord;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.ListDnsRecordsRequest;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.RenameLeaseRequest;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.net.testing.ChildNetService;
import dev.banger.net.testing.NetNamespace;
import dev.banger.net.testing.NetTestTeardown;
import dev.banger.net.testing.RootNamespaceGuard;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The .vm DNS server as net-service runs it, in a namespace of the test's own: it listens on the
 * bridge's address once EnsureBridge made it and on config's fixed address, its records follow
 * LeaseIp, RenameLease and ReleaseIp, and a restarted service answers for the leases it had.
 * Queried with dig from inside the namespace.
 */
class DnsWiringTest {

  static final int BRIDGE_PORT = 5300;
  static final String FIXED = "127.0.0.1:5301";
  @TempDir static Path dir;
  static RootNamespaceGuard root;
  static NetNamespace ns;
  static ChildNetService svc;

  @BeforeAll
  static void up() throws Exception {
    assumeTrue(
        new HostCommandRunner().run(Command.of("sh", "-c", "command -v dig").build()).succeeded(),
        "SKIPPED: dig missing (apt-get install bind9-dnsutils; .ci/run installs it)");
    root = RootNamespaceGuard.capture();
    ns = NetNamespace.create();
    ns.ip("link", "set", "lo", "up");
    svc =
        ChildNetService.start(
            ns,
            dir,
            """
        [net]
        tap_pool_size = 0
        dns_port = %d
        dns_listen = ["%s"]
        """
                .formatted(BRIDGE_PORT, FIXED));
  }

  @AfterAll
  static void down() throws Exception {
    NetTestTeardown.close(svc, ns, root);
  }

  /** dig's answer section and status, from inside the namespace. */
  static String dig(String server, int port, String name) throws Exception {
    return ns.exec(
        "dig",
        "@" + server,
        "-p",
        Integer.toString(port),
        name,
        "A",
        "+norec",
        "+time=2",
        "+tries=1");
  }

  static String answer(String server, int port, String name) throws Exception {
    return ns.exec(
            "dig",
            "@" + server,
            "-p",
            Integer.toString(port),
            name,
            "A",
            "+norec",
            "+short",
            "+time=2",
            "+tries=1")
        .strip();
  }

  @Test
  void recordsFollowLeasesOnTheBridgeAndTheFixedAddress() throws Exception {
    assertTrue(
        dig("127.0.0.1", 5301, "web.vm").contains("status: NXDOMAIN"),
        "the fixed listener is up at start");
    svc.stub().ensureBridge(EnsureBridgeRequest.newBuilder().build());
    String vm = UUID.randomUUID().toString();
    String ip =
        svc.stub()
            .leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName("web").build())
            .getLease()
            .getIpAddress();
    assertEquals(ip, answer("172.16.0.1", BRIDGE_PORT, "web.vm"), "answered on the bridge address");
    assertEquals(
        ip, answer("127.0.0.1", 5301, "WEB.vm"), "and on the fixed one, case-insensitively");
    String full = dig("172.16.0.1", BRIDGE_PORT, "web.vm");
    assertTrue(full.contains("flags: qr aa;"), "authoritative, no recursion: " + full);
    assertTrue(dig("172.16.0.1", BRIDGE_PORT, "example.com").contains("status: REFUSED"));
    assertEquals(
        List.of(DnsRecord.newBuilder().setName("web").setIpAddress(ip).build()),
        svc.stub().listDnsRecords(ListDnsRecordsRequest.getDefaultInstance()).getRecordsList());

    svc.stub().renameLease(RenameLeaseRequest.newBuilder().setVmId(vm).setVmName("api").build());
    assertEquals(ip, answer("172.16.0.1", BRIDGE_PORT, "api.vm"));
    assertTrue(
        dig("172.16.0.1", BRIDGE_PORT, "web.vm").contains("status: NXDOMAIN"),
        "the old name is gone");

    svc.restart();
    assertEquals(
        ip,
        answer("172.16.0.1", BRIDGE_PORT, "api.vm"),
        "a restarted service answers from its leases");

    svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(vm).build());
    assertTrue(
        dig("172.16.0.1", BRIDGE_PORT, "api.vm").contains("status: NXDOMAIN"), "released: gone");
    assertEquals(
        0, svc.stub().listDnsRecords(ListDnsRecordsRequest.getDefaultInstance()).getRecordsCount());

    svc.stub().removeBridge(RemoveBridgeRequest.newBuilder().setName("br-banger").build());
    String ss = ns.exec("ss", "-H", "-lnu");
    assertTrue(
        !ss.contains(":" + BRIDGE_PORT + " ") && ss.contains("127.0.0.1]:5301"),
        "the bridge listener closed with its bridge, the fixed one stays: " + ss);
  }
}
