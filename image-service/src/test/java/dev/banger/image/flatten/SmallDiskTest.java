package dev.banger.image.flatten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.image.testing.TarLayers;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The space guard on a real filesystem that is too small for the layer: a 64 MiB tmpfs and a layer
 * holding a 96 MiB file of non-zero bytes (zeros would become holes and cost nothing). The pull
 * must stop at the reserve with its own refusal, never at ENOSPC with the disk full.
 */
class SmallDiskTest {

  static final long DISK = 64L << 20;

  @TempDir Path dir;
  Path mount;

  @BeforeEach
  void mountTmpfs() throws Exception {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "SKIPPED: mounting a small tmpfs needs root (CI runs the tests as root)");
    mount = Files.createDirectories(dir.resolve("small"));
    Process p =
        new ProcessBuilder(
                "mount",
                "-t",
                "tmpfs",
                "-o",
                "size=" + DISK + ",mode=0700",
                "tmpfs",
                mount.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), "mount tmpfs: " + out);
  }

  @AfterEach
  void unmount() throws Exception {
    if (mount != null) {
      new ProcessBuilder("umount", mount.toString()).inheritIO().start().waitFor();
    }
  }

  private SpaceGuard.NoSpaceException pullInto(DiskReserve reserve) throws Exception {
    Path tree = Files.createDirectories(mount.resolve("tree"));
    byte[] big = new byte[96 << 20];
    Arrays.fill(big, (byte) 1);
    LayerFlattener flattener =
        new LayerFlattener(
            tree, FlattenLimits.defaults(), 0, 0, () -> false, SpaceGuard.of(tree, reserve));
    return assertThrows(
        SpaceGuard.NoSpaceException.class,
        () ->
            flattener.apply(
                TarLayers.layer().file("usr/lib/big.so", big, 0644, 0, 0).stream(), "layer 1/1"));
  }

  @Test
  void theDefaultReserveStopsThePullBeforeTheDiskIsFull() throws Exception {
    FileStore fs = Files.getFileStore(mount);
    long reserve = DiskReserve.DEFAULT.of(fs.getTotalSpace());
    assertEquals(DISK / 20, reserve, "5 % of a small disk");
    SpaceGuard.NoSpaceException e = pullInto(DiskReserve.DEFAULT);
    assertTrue(e.getMessage().contains("below the reserve of " + reserve), e.getMessage());
    assertTrue(e.getMessage().contains("tar entry \"usr/lib/big.so\""), e.getMessage());
    assertTrue(
        fs.getUsableSpace() > reserve / 2,
        "stopped with room left (" + fs.getUsableSpace() + " bytes), not at ENOSPC");
  }

  @Test
  void aConfiguredReserveIsKept() throws Exception {
    long reserve = 40L << 20; // image.reserve_bytes
    SpaceGuard.NoSpaceException e = pullInto(new DiskReserve(reserve));
    assertTrue(e.getMessage().contains("below the reserve of " + reserve), e.getMessage());
    long free = Files.getFileStore(mount).getUsableSpace();
    assertTrue(free > reserve - (20L << 20), "at most half the reserve used: " + free);
    assertTrue(
        List.of(new DiskReserve(0L).of(1L << 40), DiskReserve.DEFAULT.of(1L << 40))
            .equals(List.of(0L, 2L << 30)),
        "0 keeps nothing back; the default is at most 2 GiB");
    assertThrows(IllegalArgumentException.class, () -> new DiskReserve(-1L));
  }
}
