package dev.banger.kit.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateLayoutTest {

  @Test
  void eachServiceGetsAPrivateDatabaseDirectoryAndATraversableRunDir(@TempDir Path dir)
      throws Exception {
    StateLayout l = StateLayout.under(dir);
    for (ServiceName s : ServiceName.values()) {
      l.ensureFor(s);
      Path dbDir = l.database(s).getParent();
      assertEquals(s.id(), dbDir.getFileName().toString());
      assertEquals(
          "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dbDir)));
    }
    assertNotEquals(
        l.database(ServiceName.VM).getParent(), l.database(ServiceName.NET).getParent());
    assertEquals(
        "rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(l.runDir())));
    assertEquals(dir.resolve("run/vm.sock"), l.socket(ServiceName.VM));
  }

  @Test
  void productionLayoutFollowsTheDesign() {
    StateLayout p = StateLayout.production();
    assertEquals(Path.of("/run/banger/net.sock"), p.socket(ServiceName.NET));
    assertEquals(Path.of("/var/lib/banger/db/image/image.db"), p.database(ServiceName.IMAGE));
    assertEquals(Path.of("/var/cache/banger/oci"), p.ociCache());
    assertEquals(
        Path.of("/var/lib/banger/db/vm/kvm-probe.json"),
        p.kvmProbeCache(),
        "beside vm-service's database, where its user can write");
  }
}
