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
import dev.banger.kit.process.Command;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real mkfs.ext4 and debugfs; the staging tree is chowned to a made-up service uid, as banger-image's would be. */
class RootfsBuilderTest {

  static final long SERVICE_UID = 4242;

  @TempDir
  Path dir;

  @Test
  void ownersSetuidBitsDevicesAndGuestPiecesComeOutAsTheLayersSaid() throws Exception {
    Path root = Files.createDirectory(dir.resolve("tree"));
    LayerFlattener f = new LayerFlattener(root, FlattenLimits.defaults(), SERVICE_UID, SERVICE_UID);
    f.apply(new ByteArrayInputStream(layer()), "image");
    f.apply(new ByteArrayInputStream(GuestPieces.layer()), "guest");
    FlattenResult r = f.finish();
    chownTree(root, SERVICE_UID);

    Ext4Toolkit kit = new Ext4Toolkit(RealImages.RUNNER, BlockDevicePolicy.fromProcess(), Files.createDirectory(dir.resolve("s")));
    RootfsBuilder b = new RootfsBuilder(kit, 64L << 20);
    Path out = dir.resolve("rootfs.ext4");
    RootfsBuilder.Built built = b.build(r, out, b.sizeFor(r, 0));

    assertEquals(64L << 20, built.sizeBytes(), "small trees get the minimum size");
    assertEquals(new RealImages.Stat("regular", 04755, 0, 0, 5), stat(out, "/usr/bin/sudo"));
    assertEquals(new RealImages.Stat("regular", 0640, 0, 42, 1), stat(out, "/etc/shadow"));
    assertEquals(new RealImages.Stat("regular", 0600, SERVICE_UID, SERVICE_UID, 1), stat(out, "/home/svc/own"));
    assertEquals(new RealImages.Stat("directory", 01777, 0, 0, -1), stat(out, "/tmp").ignoringSize());
    assertEquals(new RealImages.Stat("directory", 0755, 0, 0, -1), stat(out, "/").ignoringSize());
    assertEquals(new RealImages.Stat("character special", 0666, 0, 0, 0), stat(out, "/dev/null"));
    assertEquals(new RealImages.Stat("FIFO", 0620, 0, 5, 0), stat(out, "/run/initctl"));
    assertEquals("symlink", stat(out, "/bin").type());
    String links = RealImages.check(Command.of("debugfs", "-R", "stat /usr/bin/sudoedit", out.toString()).build()).stdoutText();
    assertTrue(links.contains("Links: 2"), "hard link kept by mkfs -d: " + links);
    assertTrue(RealImages.cat(out, "/etc/ssh/sshd_config.d/99-banger.conf").contains("PermitRootLogin prohibit-password"));
    assertEquals(new RealImages.Stat("regular", 0755, 0, 0, stat(out, "/usr/local/lib/banger/first-boot").size()),
        stat(out, "/usr/local/lib/banger/first-boot"));
    assertEquals("symlink", stat(out, "/etc/systemd/system/multi-user.target.wants/banger-network.service").type());
    assertTrue(built.specialNodes() == 2 && built.ownershipFixes() > 5, built.toString());
    assertFsckClean(out);
  }

  @Test
  void sizeIsContentAndAHalfOrWhatWasAskedButNeverLessThanTheContent() throws Exception {
    Path root = Files.createDirectory(dir.resolve("tree"));
    LayerFlattener f = new LayerFlattener(root, FlattenLimits.defaults(), 0, 0);
    f.apply(new ByteArrayInputStream(tar(t -> entry(t, "big", new byte[40 << 20], 0644, 0, 0))), "l");
    FlattenResult r = f.finish();
    RootfsBuilder b = new RootfsBuilder(null, 16L << 20);
    long auto = b.sizeFor(r, 0);
    assertTrue(auto >= (60L << 20) && auto < (62L << 20), "40 MiB x 1.5: " + auto);
    assertEquals(100L << 20, b.sizeFor(r, 100L << 20));
    assertThrows(IllegalArgumentException.class, () -> b.sizeFor(r, 1L << 20));
  }

  private static byte[] layer() throws Exception {
    return tar(t -> {
      dirEntry(t, "usr/bin", 0755);
      entry(t, "usr/bin/sudo", "sudo!".getBytes(), 04755, 0, 0);
      TarArchiveEntry hl = new TarArchiveEntry("usr/bin/sudoedit", TarConstants.LF_LINK);
      hl.setLinkName("usr/bin/sudo");
      put(t, hl, null);
      TarArchiveEntry sl = new TarArchiveEntry("bin", TarConstants.LF_SYMLINK);
      sl.setLinkName("usr/bin");
      put(t, sl, null);
      entry(t, "etc/shadow", "s".getBytes(), 0640, 0, 42);
      entry(t, "home/svc/own", "o".getBytes(), 0600, SERVICE_UID, SERVICE_UID);
      dirEntry(t, "tmp", 01777);
      TarArchiveEntry nul = new TarArchiveEntry("dev/null", TarConstants.LF_CHR);
      nul.setDevMajor(1);
      nul.setDevMinor(3);
      nul.setMode(0666);
      put(t, nul, null);
      TarArchiveEntry fifo = new TarArchiveEntry("run/initctl", TarConstants.LF_FIFO);
      fifo.setMode(0620);
      fifo.setGroupId(5);
      put(t, fifo, null);
    });
  }

  interface TarBody {
    void write(TarArchiveOutputStream t) throws Exception;
  }

  static byte[] tar(TarBody body) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out, "UTF-8")) {
      body.write(t);
    }
    return out.toByteArray();
  }

  static void entry(TarArchiveOutputStream t, String name, byte[] data, int mode, long uid, long gid) throws Exception {
    TarArchiveEntry e = new TarArchiveEntry(name);
    e.setSize(data.length);
    e.setMode(mode);
    e.setUserId(uid);
    e.setGroupId(gid);
    put(t, e, data);
  }

  static void dirEntry(TarArchiveOutputStream t, String name, int mode) throws Exception {
    TarArchiveEntry e = new TarArchiveEntry(name + "/");
    e.setMode(mode);
    put(t, e, null);
  }

  static void put(TarArchiveOutputStream t, TarArchiveEntry e, byte[] data) throws Exception {
    t.putArchiveEntry(e);
    if (data != null) {
      t.write(data);
    }
    t.closeArchiveEntry();
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
