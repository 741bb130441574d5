package dev.banger.image.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.image.flatten.LayerFlattener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModulesLayerTest {

  @TempDir Path dir;

  @Test
  void theTreeBecomesRootOwnedTarEntriesUnderLibModulesWithModesTimesAndBytes() throws Exception {
    Path tree = Files.createDirectories(dir.resolve("6.1.0-x/kernel/fs"));
    tree = tree.getParent().getParent();
    byte[] big = new byte[3 * 256 * 1024 + 17]; // several generator chunks, and a partial one
    new Random(4).nextBytes(big);
    Files.write(tree.resolve("kernel/fs/big.ko"), big);
    Files.createFile(tree.resolve("modules.builtin"));
    Files.writeString(tree.resolve("kernel/odd.ko"), "odd");
    Files.setPosixFilePermissions(
        tree.resolve("kernel/odd.ko"), PosixFilePermissions.fromString("rw----r--"));
    Files.createSymbolicLink(tree.resolve("kernel/link.ko"), Path.of("fs/big.ko"));
    Files.getFileAttributeView(
            tree.resolve("kernel/odd.ko"), java.nio.file.attribute.PosixFileAttributeView.class)
        .setOwner(
            dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

    Map<String, TarArchiveEntry> entries = new HashMap<>();
    Map<String, byte[]> contents = new HashMap<>();
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(ModulesLayer.open(tree, "6.1.0-x"))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        entries.put(e.getName(), e);
        contents.put(e.getName(), tar.readAllBytes());
      }
    }
    assertEquals(
        java.util.Set.of(
            "lib/modules/6.1.0-x/",
            "lib/modules/6.1.0-x/kernel/",
            "lib/modules/6.1.0-x/kernel/fs/",
            "lib/modules/6.1.0-x/kernel/fs/big.ko",
            "lib/modules/6.1.0-x/modules.builtin",
            "lib/modules/6.1.0-x/kernel/odd.ko",
            "lib/modules/6.1.0-x/kernel/link.ko"),
        entries.keySet(),
        "lib and lib/modules are the image's");
    for (TarArchiveEntry e : entries.values()) {
      assertEquals(0, e.getLongUserId(), e.getName());
      assertEquals(0, e.getLongGroupId(), e.getName());
    }
    assertArrayEquals(big, contents.get("lib/modules/6.1.0-x/kernel/fs/big.ko"));
    assertEquals(0604, entries.get("lib/modules/6.1.0-x/kernel/odd.ko").getMode() & 07777);
    assertTrue(entries.get("lib/modules/6.1.0-x/kernel/link.ko").isSymbolicLink());
    assertEquals("fs/big.ko", entries.get("lib/modules/6.1.0-x/kernel/link.ko").getLinkName());
    assertEquals(
        Files.getLastModifiedTime(tree.resolve("kernel/odd.ko")).toMillis() / 1000,
        entries.get("lib/modules/6.1.0-x/kernel/odd.ko").getModTime().getTime() / 1000);

    // And through the flattener, as a pull applies it.
    Path root = Files.createDirectory(dir.resolve("root"));
    LayerFlattener f = new LayerFlattener(root, FlattenLimits.defaults(), 4242, 4242);
    f.apply(ModulesLayer.open(tree, "6.1.0-x"), "modules");
    FlattenResult r = f.finish();
    EntryMeta odd = r.entries().get("lib/modules/6.1.0-x/kernel/odd.ko");
    assertEquals(0, odd.uid());
    assertEquals(0100604, odd.mode());
    assertEquals(0, r.entries().get("lib/modules").uid());
    assertArrayEquals(
        big, Files.readAllBytes(root.resolve("lib/modules/6.1.0-x/kernel/fs/big.ko")));
  }
}
