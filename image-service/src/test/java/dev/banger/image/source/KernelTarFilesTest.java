package dev.banger.image.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.TarLayers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel's files out of a system tarball: only boot/vmlinuz, boot/initrd.img and the modules
 * tree are taken, from merged-/usr or not; hostile names, links to climb through, a kernel that is
 * a link, several kernels or a missing initrd are refused with the entry named.
 */
class KernelTarFilesTest {

  static final String R = "6.1.0-50-amd64";

  @TempDir Path dir;

  private KernelTarFiles.Taken read(TarLayers tar) throws IOException {
    Path out = Files.createDirectory(dir.resolve("out"));
    return new KernelTarFiles(out, 1 << 20, 100)
        .read(new ByteArrayInputStream(tar.build(TarLayers.Compression.NONE)), () -> false);
  }

  private static TarLayers debian(String modulesRoot) {
    return TarLayers.layer()
        .dir("./", 0755)
        .dir("./boot/", 0755)
        .file("./boot/vmlinuz-" + R, "KERNEL")
        .file("./boot/initrd.img-" + R, "INITRD")
        .file("./boot/config-" + R, "CONFIG")
        .file("./etc/shadow", "root:x:")
        .dir("./" + modulesRoot + "/", 0755)
        .dir("./" + modulesRoot + "/" + R + "/", 0700)
        .dir("./" + modulesRoot + "/" + R + "/kernel/", 0755)
        .file("./" + modulesRoot + "/" + R + "/kernel/virtio_blk.ko", "MODULE", 0600, 0, 0)
        .symlink("./" + modulesRoot + "/" + R + "/kernel/alias.ko", "virtio_blk.ko");
  }

  @Test
  void takesTheKernelInitrdAndModulesAndNothingElse() throws Exception {
    for (String root : new String[] {"usr/lib/modules", "lib/modules"}) {
      KernelTarFiles.Taken t = read(debian(root));
      assertEquals(R, t.release());
      assertEquals("KERNEL", Files.readString(t.kernel()));
      assertEquals("INITRD", Files.readString(t.initrd()));
      assertEquals("MODULE", Files.readString(t.modules().resolve("kernel/virtio_blk.ko")));
      assertEquals(
          Path.of("virtio_blk.ko"), Files.readSymbolicLink(t.modules().resolve("kernel/alias.ko")));
      assertEquals("rw-r--r--", mode(t.modules().resolve("kernel/virtio_blk.ko")), "readable");
      assertEquals("rwxr-xr-x", mode(t.modules()), "searchable by all, as the import wants");
      try (var all = Files.walk(dir.resolve("out"))) {
        assertFalse(
            all.anyMatch(p -> p.endsWith("shadow") || p.toString().contains("config-")), root);
      }
      dev.banger.kit.state.DirectoryTrees.delete(dir.resolve("out"));
    }
  }

  @Test
  void hostileNamesAreRefused() throws Exception {
    for (String bad : new String[] {"../boot/vmlinuz-" + R, "/boot/vmlinuz-" + R}) {
      IOException e =
          assertThrows(IOException.class, () -> read(debian("usr/lib/modules").file(bad, "x")));
      assertTrue(e.getMessage().contains("has an entry named"), e.getMessage());
      dev.banger.kit.state.DirectoryTrees.delete(dir.resolve("out"));
    }
    IOException release =
        assertThrows(
            IOException.class,
            () -> read(TarLayers.layer().file("./boot/vmlinuz-6.1;rm -rf", "x")));
    assertTrue(release.getMessage().contains("names a kernel release"), release.getMessage());
  }

  @Test
  void nothingIsWrittenThroughALinkTheTarballMade() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                read(
                    debian("usr/lib/modules")
                        .symlink("./usr/lib/modules/" + R + "/escape", "/tmp")
                        .file("./usr/lib/modules/" + R + "/escape/owned", "x")));
    assertTrue(e.getMessage().contains("below a symbolic link"), e.getMessage());
    assertFalse(Files.exists(Path.of("/tmp/owned")));
  }

  @Test
  void theKernelAndInitrdMustBeFiles() throws Exception {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                read(
                    TarLayers.layer()
                        .symlink("./boot/vmlinuz-" + R, "/etc/shadow")
                        .file("./boot/initrd.img-" + R, "I")));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    dev.banger.kit.state.DirectoryTrees.delete(dir.resolve("out"));
    IOException fifo =
        assertThrows(
            IOException.class,
            () -> read(debian("lib/modules").fifo("./lib/modules/" + R + "/pipe", 0644)));
    assertTrue(fifo.getMessage().contains("not a file, directory or link"), fifo.getMessage());
  }

  @Test
  void noKernelSeveralOrOneWithoutItsInitrdIsSaidSo() throws Exception {
    IOException none =
        assertThrows(IOException.class, () -> read(TarLayers.layer().file("./a", "")));
    assertTrue(none.getMessage().contains("no /boot/vmlinuz-"), none.getMessage());
    dev.banger.kit.state.DirectoryTrees.delete(dir.resolve("out"));
    IOException two =
        assertThrows(
            IOException.class,
            () -> read(debian("lib/modules").file("./boot/vmlinuz-6.1.0-51-amd64", "K")));
    assertTrue(two.getMessage().contains("several kernels"), two.getMessage());
    dev.banger.kit.state.DirectoryTrees.delete(dir.resolve("out"));
    IOException bare =
        assertThrows(
            IOException.class,
            () ->
                read(
                    TarLayers.layer()
                        .file("./boot/vmlinuz-" + R, "K")
                        .dir("./lib/modules/" + R + "/", 0755)));
    assertTrue(bare.getMessage().endsWith("came without /boot/initrd.img-" + R), bare.getMessage());
  }

  @Test
  void theTotalIsBounded() {
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                read(
                    debian("lib/modules")
                        .file("./boot/initrd.img-" + R, new byte[2 << 20], 0644, 0, 0)));
    assertTrue(e.getMessage().contains("are over"), e.getMessage());
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
