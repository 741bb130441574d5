package dev.banger.image.build;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.ext4.BlockDevicePolicy;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.RealImages;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.testing.TarLayers;
import dev.banger.kit.process.Command;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real mkfs.ext4 and debugfs; the staging tree is chowned to a made-up service uid, as
 * banger-image's would be.
 */
class RootfsBuilderTest {

  static final long SERVICE_UID = 4242;

  @TempDir Path dir;

  @Test
  void ownersSetuidBitsDevicesAndGuestPiecesComeOutAsTheLayersSaid() throws Exception {
    Path root = Files.createDirectory(dir.resolve("tree"));
    LayerFlattener f = new LayerFlattener(root, FlattenLimits.defaults(), SERVICE_UID, SERVICE_UID);
    f.apply(new ByteArrayInputStream(layer()), "image");
    f.apply(new ByteArrayInputStream(GuestPieces.layer()), "guest");
    FlattenResult r = f.finish();
    chownTree(root, SERVICE_UID);

    Ext4Toolkit kit =
        new Ext4Toolkit(
            RealImages.RUNNER,
            BlockDevicePolicy.fromProcess(),
            Files.createDirectory(dir.resolve("s")));
    RootfsBuilder b = new RootfsBuilder(kit, 64L << 20);
    Path out = dir.resolve("rootfs.ext4");
    RootfsBuilder.Built built = b.build(r, out, b.sizeFor(r, 0));

    assertEquals(64L << 20, built.sizeBytes(), "small trees get the minimum size");
    assertEquals(new RealImages.Stat("regular", 04755, 0, 0, 5), stat(out, "/usr/bin/sudo"));
    assertEquals(new RealImages.Stat("regular", 0640, 0, 42, 1), stat(out, "/etc/shadow"));
    assertEquals(
        new RealImages.Stat("regular", 0600, SERVICE_UID, SERVICE_UID, 1),
        stat(out, "/home/svc/own"));
    assertEquals(
        new RealImages.Stat("directory", 01777, 0, 0, -1), stat(out, "/tmp").ignoringSize());
    assertEquals(new RealImages.Stat("directory", 0755, 0, 0, -1), stat(out, "/").ignoringSize());
    assertEquals(new RealImages.Stat("character special", 0666, 0, 0, 0), stat(out, "/dev/null"));
    assertEquals(new RealImages.Stat("FIFO", 0620, 0, 5, 0), stat(out, "/run/initctl"));
    assertEquals("symlink", stat(out, "/bin").type());
    String links =
        RealImages.check(
                Command.of("debugfs", "-R", "stat /usr/bin/sudoedit", out.toString()).build())
            .stdoutText();
    assertTrue(links.contains("Links: 2"), "hard link kept by mkfs -d: " + links);
    assertTrue(
        RealImages.cat(out, "/etc/ssh/sshd_config.d/99-banger.conf")
            .contains("PermitRootLogin prohibit-password"));
    assertEquals(
        new RealImages.Stat(
            "regular", 0755, 0, 0, stat(out, "/usr/local/lib/banger/first-boot").size()),
        stat(out, "/usr/local/lib/banger/first-boot"));
    assertEquals(
        "symlink",
        stat(out, "/etc/systemd/system/multi-user.target.wants/banger-network.service").type());
    assertTrue(built.specialNodes() == 2 && built.ownershipFixes() > 5, built.toString());
    assertFsckClean(out);
  }

  @Test
  void sizeIsContentAndAHalfOrWhatWasAskedButNeverLessThanTheContent() throws Exception {
    Path root = Files.createDirectory(dir.resolve("tree"));
    LayerFlattener f = new LayerFlattener(root, FlattenLimits.defaults(), 0, 0);
    f.apply(TarLayers.layer().file("big", new byte[40 << 20], 0644, 0, 0).stream(), "l");
    FlattenResult r = f.finish();
    RootfsBuilder b = new RootfsBuilder(null, 16L << 20);
    long auto = b.sizeFor(r, 0);
    assertTrue(auto >= (60L << 20) && auto < (62L << 20), "40 MiB x 1.5: " + auto);
    assertEquals(100L << 20, b.sizeFor(r, 100L << 20));
    assertThrows(IllegalArgumentException.class, () -> b.sizeFor(r, 1L << 20));
  }

  private static byte[] layer() {
    return TarLayers.layer()
        .dir("usr/bin", 0755)
        .file("usr/bin/sudo", "sudo!", 04755, 0, 0)
        .hardlink("usr/bin/sudoedit", "usr/bin/sudo")
        .symlink("bin", "usr/bin")
        .file("etc/shadow", "s", 0640, 0, 42)
        .file("home/svc/own", "o", 0600, SERVICE_UID, SERVICE_UID)
        .dir("tmp", 01777)
        .charDevice("dev/null", 1, 3, 0666)
        .fifo("run/initctl", 0620, 0, 5)
        .build(TarLayers.Compression.NONE);
  }

  /** What the tree looks like when banger-image (not root) stages it. */
  static void chownTree(Path root, long uid) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", (int) uid, LinkOption.NOFOLLOW_LINKS);
      }
    }
  }
}
