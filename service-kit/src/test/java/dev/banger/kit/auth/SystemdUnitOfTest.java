package dev.banger.kit.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unit of a peer, read from /proc/PID/cgroup, and the unit: principal that matches it. */
class SystemdUnitOfTest {

  private static SystemdUnitOf with(Path proc, int pid, String cgroup) throws Exception {
    Files.createDirectories(proc.resolve(Integer.toString(pid)));
    Files.writeString(proc.resolve(pid + "/cgroup"), cgroup);
    return new SystemdUnitOf(proc);
  }

  @Test
  void unifiedHybridAndSessionCgroups(@TempDir Path proc) throws Exception {
    assertEquals(
        "banger-vm@alice.service",
        with(proc, 10, "0::/system.slice/banger-vm@alice.service\n").pid(10));
    // A hybrid host: the legacy name=systemd hierarchy names the unit, the unified one may not.
    assertEquals(
        "banger-net.service",
        with(
                proc,
                11,
                "12:devices:/system.slice/banger-net.service\n"
                    + "1:name=systemd:/system.slice/banger-net.service\n0::/\n")
            .pid(11));
    // The owner's shell: a session scope, never the vm-service unit.
    assertEquals(
        "session-3.scope",
        with(proc, 12, "0::/user.slice/user-1000.slice/session-3.scope\n").pid(12));
    assertEquals("", with(proc, 13, "0::/\n").pid(13), "no unit at the root");
    assertEquals("", new SystemdUnitOf(proc).pid(99), "a process that is gone");
  }

  @Test
  void theUnitPrincipalMatchesOnlyThatUnit() {
    Principal vm = Principal.parse("unit:banger-vm@alice.service");
    assertEquals("unit:banger-vm@alice.service", vm.toString());
    AccessPolicy p = new AccessPolicy(List.of(vm), Map.of(), new UserDirectory(), -1, 1000);
    assertTrue(
        p.decide(new PeerCredentials(5, 1000, 1000, "banger-vm@alice.service"), "x.S/M").allowed());
    assertFalse(
        p.decide(new PeerCredentials(6, 1000, 1000, "session-3.scope"), "x.S/M").allowed(),
        "the owner's shell shares the uid, not the unit");
    assertFalse(p.decide(new PeerCredentials(7, 1000, 1000), "x.S/M").allowed());
    for (String bad :
        List.of(
            "unit:", "unit:../x.service", "unit:a b.service", "unit:banger-vm", "unit:x;y.scope")) {
      assertThrows(IllegalArgumentException.class, () -> Principal.parse(bad), bad);
    }
  }
}
