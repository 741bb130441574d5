package dev.banger.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.CreateCloneNetworkRequest;
import dev.banger.api.net.v1.DisableNatRequest;
import dev.banger.api.net.v1.EnableNatRequest;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.NetServiceGrpc.NetServiceBlockingStub;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.ReleaseTapRequest;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.RenameLeaseRequest;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.net.testing.ChildNetService;
import dev.banger.net.testing.NetNamespace;
import dev.banger.net.testing.NetProbes;
import dev.banger.net.testing.NetTestTeardown;
import dev.banger.net.testing.RootNamespaceGuard;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile arguments to every RPC: each is INVALID_ARGUMENT naming the field, in one line, and
 * changes nothing (links, addresses, nft ruleset, ip_forward and every database row are compared
 * around each call). A VM with a lease, a tap and NAT exists throughout, so there is state to harm.
 */
class HostileInputTest {

  static final String VM = UUID.randomUUID().toString();
  static final String UUID_OK = UUID.randomUUID().toString();
  static final String LONG = "x".repeat(10_000);

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
    ns.execWithStdin(
        "table inet other {\n chain input { type filter hook input priority 0; policy accept; }\n}\n",
        "nft",
        "-f",
        "-");
    // Strangers must reach the socket so that the peer check, not the file mode, refuses them.
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    svc =
        ChildNetService.start(
            ns,
            dir,
            """
        owner = "1000"
        [net]
        tap_pool_size = 1
        uplink = "bu-up0"
        [services.net]
        socket_mode = "0666"
        """);
    svc.stub().ensureBridge(EnsureBridgeRequest.getDefaultInstance());
    svc.stub().leaseIp(LeaseIpRequest.newBuilder().setVmId(VM).setVmName("victim").build());
    svc.stub().acquireTap(AcquireTapRequest.newBuilder().setVmId(VM).setOwnerUid(1000).build());
    assertEquals(
        "bu-up0",
        svc.stub().enableNat(EnableNatRequest.newBuilder().setVmId(VM).build()).getUplink(),
        "the configured uplink, with no default route in the namespace");
    NetProbes.awaitPool(ns, 1);
  }

  @AfterAll
  static void down() throws Exception {
    NetTestTeardown.close(svc, ns, root);
  }

  record Hostile(String field, Consumer<NetServiceBlockingStub> call) {}

  static Arguments c(String label, String field, Consumer<NetServiceBlockingStub> call) {
    return Arguments.of(label, new Hostile(field, call));
  }

  static Stream<Arguments> cases() {
    List<Arguments> all = new ArrayList<>();
    // vm_id, through each RPC that takes one
    for (String bad :
        List.of(
            "",
            "not-a-uuid",
            VM.toUpperCase(),
            "; rm -rf /",
            "$(reboot)",
            "../../etc/passwd",
            VM + "\n",
            VM.substring(0, 35) + "\u0000",
            LONG,
            "tb-" + VM.substring(0, 8),
            VM + " ",
            "{" + VM + "}")) {
      all.add(
          c(
              "LeaseIp vm_id " + printable(bad),
              "vm_id",
              s -> s.leaseIp(LeaseIpRequest.newBuilder().setVmId(bad).setVmName("ok").build())));
    }
    all.add(
        c(
            "AcquireTap vm_id",
            "vm_id",
            s -> s.acquireTap(AcquireTapRequest.newBuilder().setVmId("`id`").build())));
    all.add(
        c(
            "ReleaseTap vm_id",
            "vm_id",
            s -> s.releaseTap(ReleaseTapRequest.newBuilder().setVmId("*").build())));
    all.add(
        c(
            "ReleaseIp vm_id",
            "vm_id",
            s -> s.releaseIp(ReleaseIpRequest.newBuilder().setVmId("%").build())));
    all.add(
        c(
            "EnableNat vm_id",
            "vm_id",
            s -> s.enableNat(EnableNatRequest.newBuilder().setVmId("a|b").build())));
    all.add(
        c(
            "DisableNat vm_id",
            "vm_id",
            s -> s.disableNat(DisableNatRequest.newBuilder().setVmId("0").build())));
    all.add(
        c(
            "RenameLease vm_id",
            "vm_id",
            s ->
                s.renameLease(
                    RenameLeaseRequest.newBuilder().setVmId("x").setVmName("ok").build())));
    all.add(
        c(
            "CreateCloneNetwork vm_id",
            "vm_id",
            s ->
                s.createCloneNetwork(
                    CreateCloneNetworkRequest.newBuilder()
                        .setVmId("../" + VM)
                        .setGuestIp("172.16.0.200")
                        .build())));
    // guest_ip: not an address, or not one a clone of this VM's lease (172.16.0.2 on
    // 172.16.0.1/24) may have
    for (String bad :
        List.of(
            "",
            "172.16.0.1",
            "172.16.0.2",
            "172.16.0.0",
            "172.16.0.255",
            "172.16.1.200",
            "10.0.0.5",
            "172.16.0.200/32",
            "172.16.0.020",
            "256.16.0.200",
            "172.16.0.200; flush ruleset",
            "::1",
            "0x7f.0.0.1",
            "172.16.0.200\n",
            " 172.16.0.200",
            LONG)) {
      all.add(
          c(
              "CreateCloneNetwork guest_ip " + printable(bad),
              "guest_ip",
              s ->
                  s.createCloneNetwork(
                      CreateCloneNetworkRequest.newBuilder().setVmId(VM).setGuestIp(bad).build())));
    }
    // vm_name
    for (String bad :
        List.of(
            "",
            "-lead",
            "trail-",
            "UPPER",
            "a b",
            "name;reboot",
            "x".repeat(64),
            "\u00fcn\u00ef",
            "a.b",
            "$(id)",
            "name\nINJECT",
            "\u001b[31mred")) {
      all.add(
          c(
              "LeaseIp vm_name " + printable(bad),
              "vm_name",
              s -> s.leaseIp(LeaseIpRequest.newBuilder().setVmId(UUID_OK).setVmName(bad).build())));
    }
    all.add(
        c(
            "RenameLease vm_name",
            "vm_name",
            s ->
                s.renameLease(
                    RenameLeaseRequest.newBuilder().setVmId(VM).setVmName("victim;x").build())));
    // bridge names: not ours, overlong, with metacharacters
    for (String bad :
        List.of(
            "lo",
            "eth0",
            "bu-up0",
            "docker0",
            "br-bangerX",
            "br-banger-",
            "br-banger-UP",
            "br-banger-abcdefgh",
            "br-banger-abcdef",
            "tb-" + VM.substring(0, 8),
            "br-banger;ip link del eth0",
            "br-banger\u0000",
            "br-banger ",
            "../br-banger")) {
      all.add(
          c(
              "EnsureBridge name " + printable(bad),
              "bridge",
              s ->
                  s.ensureBridge(
                      EnsureBridgeRequest.newBuilder()
                          .setName(bad)
                          .setCidr("10.9.0.1/24")
                          .build())));
    }
    all.add(
        c(
            "RemoveBridge name lo",
            "bridge",
            s -> s.removeBridge(RemoveBridgeRequest.newBuilder().setName("lo").build())));
    all.add(
        c(
            "LeaseIp bridge eth0",
            "bridge",
            s ->
                s.leaseIp(
                    LeaseIpRequest.newBuilder()
                        .setVmId(UUID_OK)
                        .setVmName("ok")
                        .setBridge("eth0")
                        .build())));
    all.add(
        c(
            "AcquireTap bridge tb-x",
            "bridge",
            s ->
                s.acquireTap(
                    AcquireTapRequest.newBuilder().setVmId(VM).setBridge("tb-x").build())));
    // CIDRs
    for (String bad :
        List.of(
            "10.9.0.1",
            "10.9.0.1/31",
            "10.9.0.1/7",
            "10.9.0.0/24",
            "10.9.0.255/24",
            "256.1.1.1/24",
            "10.9.0.1/24; flush ruleset",
            "::1/64",
            "10.09.0.1/24",
            "127.0.0.1/8",
            "0.0.0.1/8",
            "224.0.0.1/8",
            "10.9.0.1/24\n",
            "10.9.0.1 /24")) {
      all.add(
          c(
              "EnsureBridge cidr " + printable(bad),
              "cidr",
              s ->
                  s.ensureBridge(
                      EnsureBridgeRequest.newBuilder()
                          .setName("br-banger-h")
                          .setCidr(bad)
                          .build())));
    }
    all.add(
        c(
            "EnsureBridge without cidr for an unknown bridge",
            "cidr",
            s -> s.ensureBridge(EnsureBridgeRequest.newBuilder().setName("br-banger-h").build())));
    // uids
    for (int bad : new int[] {-1, 65535, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
      all.add(
          c(
              "AcquireTap owner_uid " + Integer.toUnsignedString(bad),
              "owner_uid",
              s ->
                  s.acquireTap(
                      AcquireTapRequest.newBuilder().setVmId(VM).setOwnerUid(bad).build())));
    }
    // request ids
    for (String bad :
        List.of(
            "r".repeat(129), "line\nbreak", "\u001b]0;title\u0007", "nul\u0000", "a b", "ünï")) {
      all.add(
          c(
              "ReleaseIp request_id " + printable(bad),
              "request_id",
              s ->
                  s.releaseIp(
                      ReleaseIpRequest.newBuilder().setRequestId(bad).setVmId(VM).build())));
    }
    return all.stream();
  }

  static String printable(String s) {
    return dev.banger.kit.text.Printable.quoted(s, 24);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void refusedWithTheFieldNamedAndNothingChanged(String label, Hostile h) throws Exception {
    NetNamespace.State before = ns.state();
    String rows = rows();
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> h.call().accept(svc.stub()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.toString());
    String msg = e.getStatus().getDescription();
    assertTrue(
        msg.length() < 400 && msg.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f),
        "one printable line: " + msg);
    ErrorInfo info = Errors.errorInfo(e).orElseThrow();
    assertEquals("INVALID_ARGUMENT", info.getReason());
    assertEquals(h.field(), info.getMetadataMap().get("field"), msg);
    assertTrue(msg.contains(h.field()), "the sentence names the field: " + msg);
    assertEquals(before, ns.state(), "host state changed by " + label);
    assertEquals(rows, rows(), "database changed by " + label);
  }

  @Test
  void theSuiteHasEnoughCases() {
    assertTrue(cases().count() >= 30, "cases: " + cases().count());
  }

  @Test
  void aStrangerIsRefusedByThePeerCheckAndNothingHappens() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    HostCommandRunner run = new HostCommandRunner();
    Assumptions.assumeTrue(
        Files.isExecutable(python)
            && run.run(Command.of(python.toString(), "-c", "import grpc").build()).succeeded(),
        "SKIPPED LOUDLY: /usr/bin/python3 with python3-grpcio is missing (apt-get install python3-grpcio; .ci/run installs it)");
    String rows = rows();
    NetNamespace.State before = ns.state();
    byte[] req =
        LeaseIpRequest.newBuilder().setVmId(UUID_OK).setVmName("intruder").build().toByteArray();
    CommandResult r =
        run.run(
            Command.of(
                    "setpriv",
                    "--reuid=65534",
                    "--regid=65534",
                    "--clear-groups",
                    python.toString(),
                    "-c",
                    """
            import sys, grpc
            ch = grpc.insecure_channel("unix:" + sys.argv[1])
            call = ch.unary_unary(sys.argv[2])
            try:
                call(bytes.fromhex(sys.argv[3]), timeout=20)
                print("OK")
            except grpc.RpcError as e:
                print(e.code().name + " " + e.details())
            """,
                    svc.socket().toString(),
                    "/banger.net.v1.NetService/LeaseIp",
                    HexFormat.of().formatHex(req))
                .build());
    String out = r.stdoutText().strip();
    assertTrue(out.startsWith("PERMISSION_DENIED "), out + r.stderrText());
    assertTrue(out.contains("uid 65534"), out);
    assertEquals(rows, rows());
    assertEquals(before, ns.state());
    assertFalse(svc.log().isEmpty());
    assertTrue(
        svc.log().contains("method=banger.net.v1.NetService/LeaseIp peer=uid 65534"),
        "the refusal is logged");
  }

  /** Every row of every net-service table, as text. */
  static String rows() throws Exception {
    StringBuilder b = new StringBuilder();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + svc.database())) {
      for (String t :
          List.of("bridges", "leases", "released_addresses", "host_settings", "request_log")) {
        try (ResultSet rs =
            c.createStatement().executeQuery("SELECT * FROM " + t + " ORDER BY 1")) {
          int n = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            b.append(t);
            for (int i = 1; i <= n; i++) {
              b.append('|').append(rs.getString(i));
            }
            b.append('\n');
          }
        }
      }
    }
    return b.toString();
  }
}
