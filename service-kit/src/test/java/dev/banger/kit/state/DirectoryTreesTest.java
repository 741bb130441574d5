package dev.banger.kit.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryTreesTest {

  @TempDir Path dir;

  @Test
  void deletesATreeWithoutFollowingSymlinksOutOfIt() throws Exception {
    Path outside = Files.writeString(dir.resolve("outside"), "keep");
    Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
    Files.writeString(tree.resolve("f"), "x");
    Files.createSymbolicLink(dir.resolve("tree/link"), dir);
    DirectoryTrees.delete(dir.resolve("tree"));
    assertFalse(Files.exists(dir.resolve("tree")));
    assertEquals("keep", Files.readString(outside));
    DirectoryTrees.delete(dir.resolve("tree"));
  }

  @Test
  void emptyKeepsTheDirectory() throws Exception {
    Path scratch = Files.createDirectories(dir.resolve("scratch/x"));
    Files.writeString(scratch.resolve("f"), "x");
    DirectoryTrees.empty(dir.resolve("scratch"));
    assertTrue(Files.isDirectory(dir.resolve("scratch")));
    try (var list = Files.list(dir.resolve("scratch"))) {
      assertEquals(0, list.count());
    }
  }
}
