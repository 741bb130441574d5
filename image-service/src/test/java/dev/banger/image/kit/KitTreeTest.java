package dev.banger.image.kit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.banger.image.testing.TarLayers;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the kit keeps of the packages' tarball, and what it adds. */
class KitTreeTest {

  @TempDir Path dir;

  /** A package tarball as mmdebstrap writes it ({@code ./} names), with real ELF programs. */
  static byte[] packages(boolean withDropbear) throws IOException {
    Path t = Path.of("/bin/true").toRealPath();
    assumeTrue(
        ElfInterpreter.of(t).equals("/lib64/ld-linux-x86-64.so.2"),
        "SKIPPED LOUDLY: /bin/true is not linked against /lib64/ld-linux-x86-64.so.2");
    byte[] elf = Files.readAllBytes(t);
    TarLayers l =
        TarLayers.layer()
            .dir("./bin", 0755)
            .file("./bin/busybox", elf, 0755, 0, 0)
            .dir("./usr/bin", 0755)
            .file("./usr/bin/dropbearkey", elf, 0755, 0, 0)
            .file("./usr/bin/dbclient", elf, 0755, 0, 0)
            .dir("./lib/x86_64-linux-gnu", 0755)
            .file("./lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "loader", 0755, 0, 0)
            .file("./lib/x86_64-linux-gnu/libc.so.6", "libc", 0644, 0, 0)
            .file("./lib/x86_64-linux-gnu/libz.so.1.2.13", "libz", 0644, 0, 0)
            .symlink("./lib/x86_64-linux-gnu/libz.so.1", "libz.so.1.2.13")
            // Hostile or useless: a link out of the kit, a deeper directory, docs.
            .symlink("./lib/x86_64-linux-gnu/libevil.so.1", "/etc/shadow")
            .symlink("./lib/x86_64-linux-gnu/libup.so.1", "../../etc/shadow")
            .dir("./usr/lib/x86_64-linux-gnu/gconv", 0755)
            .file("./usr/lib/x86_64-linux-gnu/gconv/BIG5.so", "gconv", 0644, 0, 0)
            .file("./usr/lib/x86_64-linux-gnu/libtomcrypt.so.1.0.1", "tomcrypt", 0644, 0, 0)
            .file("./usr/share/doc/busybox-static/copyright", "doc", 0644, 0, 0)
            .file("./etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644, 0, 0)
            .symlink("./lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
    if (withDropbear) {
      l.dir("./usr/sbin", 0755).file("./usr/sbin/dropbear", elf, 0755, 0, 0);
    }
    return l.build(TarLayers.Compression.NONE);
  }

  @Test
  void takesOnlyTheProgramsAndTheLibrariesAndNoLinkOut() throws Exception {
    Path tree = Files.createDirectory(dir.resolve("tree"));
    KitTree.Taken t = KitTree.take(new ByteArrayInputStream(packages(true)), tree, () -> false);
    assertTrue(Files.isRegularFile(tree.resolve("bin/busybox")));
    assertTrue(Files.isRegularFile(tree.resolve("sbin/dropbear")));
    assertTrue(Files.isRegularFile(tree.resolve("bin/dropbearkey")));
    assertFalse(Files.exists(tree.resolve("bin/dbclient")), "only the programs the kit runs");
    assertEquals(Path.of("libz.so.1.2.13"), Files.readSymbolicLink(tree.resolve("lib/libz.so.1")));
    assertTrue(Files.isRegularFile(tree.resolve("lib/libtomcrypt.so.1.0.1")));
    assertFalse(
        Files.exists(tree.resolve("lib/libevil.so.1"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(
        Files.exists(tree.resolve("lib/libup.so.1"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(tree.resolve("lib/BIG5.so")));
    assertFalse(Files.exists(tree.resolve("etc")));
    assertFalse(Files.exists(tree.resolve("usr")));
    assertEquals(
        "rw-r--r--",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(tree.resolve("lib/libc.so.6"))));
    assertEquals(8, t.files(), "busybox, dropbear, dropbearkey, 4 libraries and one link");
  }

  @Test
  void noSshServerNoKit() throws Exception {
    Path tree = Files.createDirectory(dir.resolve("tree"));
    IOException e =
        assertThrows(
            IOException.class,
            () -> KitTree.take(new ByteArrayInputStream(packages(false)), tree, () -> false));
    assertEquals("the kit's packages hold no sbin/dropbear", e.getMessage());
  }

  @Test
  void targetsAreNamesNeverPaths() {
    assertNull(KitTree.targetOf("lib/x86_64-linux-gnu/../../../etc/shadow.so"));
    assertNull(KitTree.targetOf("/lib/x86_64-linux-gnu/libc.so.6"));
    assertNull(KitTree.targetOf("lib/x86_64-linux-gnu/gconv/X.so"));
    assertNull(KitTree.targetOf("lib/x86_64-linux-gnu/libc.a"));
    assertEquals("lib/libc.so.6", KitTree.targetOf("lib/x86_64-linux-gnu/libc.so.6"));
    assertEquals("sbin/dropbear", KitTree.targetOf("usr/sbin/dropbear"));
  }

  @Test
  void assembleAddsScriptsAppletsMountPointsAndTheKitsLoader() throws Exception {
    Path tree = Files.createDirectory(dir.resolve("tree"));
    KitTree.take(new ByteArrayInputStream(packages(true)), tree, () -> false);
    KitTree.assemble(tree);
    for (String script : List.of("sbin/init", "libexec/pid1", "libexec/network-bootstrap")) {
      Path p = tree.resolve(script);
      assertEquals(
          "rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), script);
      assertTrue(Files.readString(p).startsWith("#!"), script);
    }
    assertTrue(Files.readString(tree.resolve("sbin/init")).startsWith("#!/bin/busybox sh\n"));
    assertTrue(Files.readString(tree.resolve("libexec/pid1")).startsWith("#!/.banger/bin/sh\n"));
    for (String applet : KitTree.APPLETS) {
      assertEquals(Path.of("busybox"), Files.readSymbolicLink(tree.resolve("bin").resolve(applet)));
    }
    for (String d : List.of("dev", "proc", "sys", "run", "newroot")) {
      assertTrue(Files.isDirectory(tree.resolve(d)), d);
    }
    assertEquals(Path.of(KitTree.LOADER), Files.readSymbolicLink(tree.resolve("lib/ld.so")));
    assertEquals(KitTree.INTERPRETER, ElfInterpreter.of(tree.resolve("sbin/dropbear")));
    assertEquals(KitTree.INTERPRETER, ElfInterpreter.of(tree.resolve("bin/dropbearkey")));
    assertEquals(
        "/lib64/ld-linux-x86-64.so.2",
        ElfInterpreter.of(tree.resolve("bin/busybox")),
        "busybox is left as it came (static in the real packages)");

    List<String> manifest = KitTree.manifest(tree);
    assertEquals(manifest.stream().sorted().toList(), manifest, "sorted");
    assertTrue(manifest.contains("lib/ld.so link -> ld-linux-x86-64.so.2"), manifest.toString());
    assertTrue(manifest.contains("newroot dir"), manifest.toString());
    String pid1 =
        manifest.stream().filter(l -> l.startsWith("libexec/pid1 ")).findFirst().orElseThrow();
    assertTrue(pid1.matches("libexec/pid1 file rwxr-xr-x \\d+ [0-9a-f]{64}"), pid1);
  }
}
