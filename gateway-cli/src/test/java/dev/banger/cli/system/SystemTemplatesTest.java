package dev.banger.cli.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.PeerCredentials;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.config.ConfigLoader;
import dev.banger.kit.config.PolicyFactory;
import dev.banger.kit.state.ServiceName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config install writes, read back by the services' own loader and policy builder. */
class SystemTemplatesTest {

  private static final int ALICE = 1000;
  private static final int BANGER_NET = 998;

  @Test
  void netAndDiskAdmitVmServicesUnitNotTheOwnersShell() throws Exception {
    BangerConfig cfg =
        ConfigLoader.parse(SystemTemplates.config("# example\n", "alice"), "config.toml");
    PeerCredentials vmService = new PeerCredentials(10, ALICE, ALICE, "banger-vm@alice.service");
    PeerCredentials shell = new PeerCredentials(11, ALICE, ALICE, "session-2.scope");
    String call = "banger.net.v1.NetService/ListLeases";
    for (ServiceName s : List.of(ServiceName.NET, ServiceName.DISK)) {
      AccessPolicy p = PolicyFactory.build(cfg, s, new UserDirectory(), BANGER_NET, ALICE);
      assertTrue(p.decide(vmService, call).allowed(), s + ": vm-service");
      assertFalse(p.decide(shell, call).allowed(), s + ": the owner's shell");
      assertTrue(p.decide(new PeerCredentials(12, 0, 0), call).allowed(), s + ": root");
      assertTrue(
          p.decide(shell, "grpc.health.v1.Health/Check").allowed(), s + ": health for anyone");
    }
    for (ServiceName s : List.of(ServiceName.VM, ServiceName.IMAGE)) {
      AccessPolicy p = PolicyFactory.build(cfg, s, new UserDirectory(), BANGER_NET, ALICE);
      assertTrue(p.decide(shell, "banger.vm.v1.VmService/ListVms").allowed(), s + ": owner");
    }
    assertEquals("banger", cfg.service(ServiceName.NET).socketGroup());
  }

  @Test
  void theVmGroupsTokenAndTheKvmGroupLookUp(@TempDir Path dir) throws Exception {
    Path t = Files.writeString(dir.resolve("u.service"), "SupplementaryGroups=@VM_GROUPS@\n");
    assertEquals(
        "SupplementaryGroups=kvm banger\n",
        SystemTemplates.render(t, java.util.Map.of("VM_GROUPS", "kvm banger")));
    Files.writeString(dir.resolve("group"), "root:x:0:\nkvm:x:994:\n");
    assertEquals("kvm banger", SystemTemplates.vmGroups(dir.resolve("group")));
    Files.writeString(dir.resolve("other"), "root:x:0:\nkvm-users:x:995:\n");
    assertEquals("banger", SystemTemplates.vmGroups(dir.resolve("other")), "a prefix is no match");
    assertEquals("banger", SystemTemplates.vmGroups(dir.resolve("missing")));
  }
}
