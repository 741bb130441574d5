package dev.banger.image.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which mmdebstrap mode a process gets, and how its facts are read off /proc and /etc. */
class BootstrapModesTest {

  record Facts(boolean root, boolean noNewPrivs, boolean hasSubordinateRanges, Set<String> path)
      implements BootstrapModes.Facts {
    @Override
    public boolean onPath(String program) {
      return path.contains(program);
    }
  }

  private static final Set<String> ALL = Set.of("newuidmap", "fakechroot", "fakeroot");

  private static BootstrapMode choose(Facts f) {
    return new BootstrapModes(f).choose();
  }

  @Test
  void rootAlwaysUnshares() {
    assertEquals(BootstrapMode.UNSHARE, choose(new Facts(true, true, false, ALL)));
    assertEquals(BootstrapMode.UNSHARE, choose(new Facts(true, false, false, Set.of())));
  }

  @Test
  void aUserWhoCanMapARangeUnshares() {
    assertEquals(BootstrapMode.UNSHARE, choose(new Facts(false, false, true, ALL)));
  }

  @Test
  void theHardenedUnitGetsFakechroot() {
    // NoNewPrivileges=yes: the setuid newuidmap would gain nothing, whatever the ranges say.
    assertEquals(BootstrapMode.FAKECHROOT, choose(new Facts(false, true, true, ALL)));
    // No range for the service user (sysusers gives none).
    assertEquals(BootstrapMode.FAKECHROOT, choose(new Facts(false, false, false, ALL)));
    // A range but no newuidmap.
    assertEquals(
        BootstrapMode.FAKECHROOT,
        choose(new Facts(false, false, true, Set.of("fakechroot", "fakeroot"))));
  }

  @Test
  void withoutFakechrootAndFakerootBothUnshareFailsAndSaysWhy() {
    assertEquals(BootstrapMode.UNSHARE, choose(new Facts(false, true, false, Set.of("fakeroot"))));
    assertEquals(
        BootstrapMode.UNSHARE, choose(new Facts(false, true, false, Set.of("fakechroot"))));
    assertTrue(
        BootstrapException.fromFailure("x", 25, "E: failed to parse /etc/subuid and /etc/subgid\n")
            .getMessage()
            .contains("install fakechroot and fakeroot"));
  }

  @Test
  void factsAreReadFromProcStatusTheSubidFilesAndPath(@TempDir Path dir) throws Exception {
    Path status = dir.resolve("status");
    Files.writeString(
        status, "Name:\tjava\nUid:\t998\t998\t998\t998\nNoNewPrivs:\t1\nSeccomp:\t0\n");
    Path subuid =
        Files.writeString(dir.resolve("subuid"), "alice:100000:65536\n998:200000:65536\n");
    Path subgid = Files.writeString(dir.resolve("subgid"), "alice:100000:65536\n");
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Path tool = Files.writeString(bin.resolve("fakeroot"), "#!/bin/sh\n");
    tool.toFile().setExecutable(true);
    Files.writeString(bin.resolve("fakechroot"), "not executable\n");

    ProcessFacts f = new ProcessFacts(status, subuid, subgid, "/nonexistent::" + bin);
    assertFalse(f.root());
    assertTrue(f.noNewPrivs());
    assertFalse(f.hasSubordinateRanges(), "a subuid range by uid, but no subgid range");
    assertTrue(f.onPath("fakeroot"));
    assertFalse(f.onPath("fakechroot"), "not executable");

    Files.writeString(subgid, "998:300000:65536\n");
    assertTrue(f.hasSubordinateRanges());
    Files.writeString(subgid, "998:300000:0\nbad line\n998:x:y\n");
    assertFalse(f.hasSubordinateRanges(), "a zero count or a malformed line is no range");

    Files.writeString(status, "Uid:\t0\t0\t0\t0\nNoNewPrivs:\t0\n");
    assertTrue(f.root());
    assertFalse(f.noNewPrivs());
    assertFalse(
        new ProcessFacts(dir.resolve("missing"), subuid, subgid, "").root(),
        "unreadable facts count as no");
  }
}
