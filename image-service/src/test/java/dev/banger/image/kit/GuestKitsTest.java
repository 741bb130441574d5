package dev.banger.image.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.RealImages;
import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.ports.KitPackages;
import dev.banger.kit.ops.StageProgress;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kit's build and store, on real mkfs and debugfs, with the packages from a fake. */
class GuestKitsTest {

  @TempDir Path dir;

  private final AtomicInteger fetches = new AtomicInteger();
  private final List<String> stages = new ArrayList<>();
  private final StageProgress progress = (stage, message, done, total) -> stages.add(stage);

  private static final CatalogEntry.Debian SUITE =
      new CatalogEntry.Debian(
          "debian-bookworm",
          "bookworm",
          URI.create("http://deb.debian.org/debian"),
          "minbase",
          List.of("main"),
          List.of());

  private GuestKits kits(KitPackages packages) throws Exception {
    Ext4Toolkit ext4 =
        new Ext4Toolkit(
            RealImages.RUNNER,
            BlockDevicePolicy.fromProcess(),
            Files.createDirectories(dir.resolve("scratch")));
    return new GuestKits(
        dir.resolve("images/kit"), dir.resolve("images/.staging"), ext4, packages, () -> SUITE);
  }

  private KitPackages fromTarball() {
    return (suite, tree, work, p, cancelled) -> {
      fetches.incrementAndGet();
      assertEquals(SUITE, suite);
      KitTree.take(new ByteArrayInputStream(KitTreeTest.packages(true)), tree, cancelled);
    };
  }

  @Test
  void buildsOnceARootOwnedReadableKitWithItsManifest() throws Exception {
    GuestKits kits = kits(fromTarball());
    assertTrue(kits.current().isEmpty());
    Path kit = kits.ensure(progress, () -> false);
    assertEquals(dir.resolve("images/kit").resolve(kits.currentVersion()).resolve("kit.ext4"), kit);
    assertEquals(kit, kits.current().orElseThrow());
    assertTrue(kits.currentVersion().matches("1-[0-9a-f]{12}"), kits.currentVersion());
    RealImages.assertFsckClean(kit);
    assertEquals(
        new RealImages.Stat("regular", 0755, 0, 0, -1),
        RealImages.stat(kit, "/sbin/init").ignoringSize());
    assertEquals(
        new RealImages.Stat("regular", 0755, 0, 0, -1),
        RealImages.stat(kit, "/sbin/dropbear").ignoringSize());
    assertEquals(
        new RealImages.Stat("directory", 0755, 0, 0, -1),
        RealImages.stat(kit, "/newroot").ignoringSize());
    assertEquals(
        "rw-r--r--",
        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(kit)));
    assertTrue(kits.manifest().contains("lib/ld.so link -> ld-linux-x86-64.so.2"));

    assertEquals(kit, kits.ensure(progress, () -> false));
    assertEquals(1, fetches.get(), "built once");
    assertTrue(stages.stream().allMatch("kit"::equals), stages.toString());
    assertEquals(List.of(), staged(), "no work directory left");
  }

  @Test
  void aFailedOrCancelledBuildLeavesNothing() throws Exception {
    GuestKits failing =
        kits(
            (suite, tree, work, p, cancelled) -> {
              Files.writeString(work.resolve("half"), "x");
              throw new java.io.IOException("mirror unreachable");
            });
    Exception e =
        assertThrows(java.io.IOException.class, () -> failing.ensure(progress, () -> false));
    assertEquals("mirror unreachable", e.getMessage());
    assertEquals(List.of(), staged());
    assertTrue(failing.current().isEmpty());

    GuestKits cancelled = kits(fromTarball());
    assertThrows(
        java.util.concurrent.CancellationException.class,
        () -> cancelled.ensure(progress, () -> fetches.get() > 0));
    assertEquals(List.of(), staged());
    assertTrue(cancelled.current().isEmpty());
    assertFalse(Files.exists(dir.resolve("images/kit").resolve(cancelled.currentVersion())));
  }

  @Test
  void anOlderKitStaysReachableByItsVersionAndBadVersionsNameNothing() throws Exception {
    GuestKits kits = kits(fromTarball());
    Path kit = kits.ensure(progress, () -> false);
    assertEquals(kit, kits.path(kits.currentVersion()).orElseThrow());
    assertTrue(kits.path("1-000000000000").isEmpty());
    assertTrue(kits.path("../../etc").isEmpty());
    assertTrue(kits.path(null).isEmpty());
    // A version directory someone emptied by hand is built again, not refused.
    Files.delete(kit);
    assertTrue(kits.current().isEmpty());
    assertEquals(kit, kits.ensure(progress, () -> false));
    assertEquals(2, fetches.get());
  }

  private List<Path> staged() throws Exception {
    Path staging = dir.resolve("images/.staging");
    if (!Files.exists(staging)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(staging)) {
      return s.toList();
    }
  }
}
