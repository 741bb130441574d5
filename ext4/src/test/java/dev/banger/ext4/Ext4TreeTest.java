package dev.banger.ext4;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.cat;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ext4Toolkit.writeTree against real images: what lands, and what is refused before anything does.
 */
class Ext4TreeTest {

  @TempDir Path dir;
  Path image;
  Ext4Toolkit kit;
  int staged;

  @BeforeEach
  void setUp() {
    image = RealImages.mkfs(dir, "work.ext4", 64);
    kit = new Ext4Toolkit(RealImages.RUNNER, BlockDevicePolicy.never(), dir.resolve("scratch"));
  }

  Ext4Tree.Entry file(String rel, int mode, String content) throws Exception {
    Path p = Files.writeString(dir.resolve("staged-" + staged++), content);
    return Ext4Tree.Entry.file(rel, mode, 1_700_000_000L, p, Files.size(p));
  }

  static long mtime(Path image, String path) {
    String out =
        RealImages.run(
                Command.of("debugfs", "-R", "stat \"" + path + "\"", image.toString()).build())
            .stdoutText();
    var m = java.util.regex.Pattern.compile("mtime: 0x([0-9a-f]+)").matcher(out);
    assertTrue(m.find(), out);
    return Long.parseLong(m.group(1), 16);
  }

  @Test
  void writesDirectoriesFilesAndLinksAsTarWouldWithParentsMadeAndRootOwners() throws Exception {
    List<Ext4Tree.Entry> entries =
        List.of(
            Ext4Tree.Entry.directory(".git", 0755, 1_600_000_000L),
            file(".git/HEAD", 0644, "ref: refs/heads/main\n"),
            file("run.sh", 0755, "#!/bin/sh\necho hi\n"),
            file(
                "src/deep/a b\\c $(x).txt",
                0600,
                "odd name\n"), // parents src and src/deep not listed
            Ext4Tree.Entry.symlink("link", "src/deep/a b\\c $(x).txt", 1_650_000_000L),
            Ext4Tree.Entry.symlink("abs", "/etc/passwd", 1_650_000_000L),
            file("setuid", 04755, "x"));
    Ext4Tree.Result r = kit.writeTree(kit.open(image), GuestPath.of("/work/app"), entries);

    assertEquals(
        new Ext4Tree.Result(3, 4, 2, 21 + 18 + 9 + 1, 1), r, "src, src/deep made; /work a parent");
    assertFsckClean(image);
    assertEquals(
        new RealImages.Stat("directory", 0755, 0, 0, -1), stat(image, "/work/app").ignoringSize());
    assertEquals(
        new RealImages.Stat("directory", 0755, 0, 0, -1),
        stat(image, "/work/app/src/deep").ignoringSize());
    assertEquals(new RealImages.Stat("regular", 0755, 0, 0, 18), stat(image, "/work/app/run.sh"));
    assertEquals(
        new RealImages.Stat("regular", 0600, 0, 0, 9),
        stat(image, "/work/app/src/deep/a b\\c $(x).txt"));
    assertEquals(
        new RealImages.Stat("regular", 0755, 0, 0, 1),
        stat(image, "/work/app/setuid"),
        "no setuid bit");
    assertEquals("odd name\n", cat(image, "/work/app/src/deep/a b\\c $(x).txt"));
    assertEquals("ref: refs/heads/main\n", cat(image, "/work/app/.git/HEAD"));
    assertEquals("symlink", stat(image, "/work/app/link").type());
    assertEquals(
        "/etc/passwd",
        RealImages.run(
                Command.of("debugfs", "-R", "stat \"/work/app/abs\"", image.toString()).build())
            .stdoutText()
            .lines()
            .filter(l -> l.startsWith("Fast link dest:"))
            .findFirst()
            .orElse("")
            .replace("Fast link dest: ", "")
            .replace("\"", ""),
        "a link is written as a link, never followed");
    assertEquals(1_700_000_000L, mtime(image, "/work/app/run.sh"));
    assertEquals(1_650_000_000L, mtime(image, "/work/app/link"));
    assertEquals(
        1_600_000_000L, mtime(image, "/work/app/.git"), "directory times survive their children");
  }

  @Test
  void aTreeOfThousandsOfEntriesIsOneBatch() throws Exception {
    List<Ext4Tree.Entry> entries = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      entries.add(file("d" + (i % 20) + "/f" + i, 0644, "file " + i + "\n"));
    }
    Ext4Tree.Result r = kit.writeTree(kit.open(image), GuestPath.of("/repo"), entries);
    assertEquals(2000, r.files());
    assertEquals(20, r.directories());
    assertFsckClean(image);
    assertEquals("file 1999\n", cat(image, "/repo/d19/f1999"));
  }

  @Test
  void aDirectoryListedAfterItsContentsGetsItsModeAndTime() throws Exception {
    List<Ext4Tree.Entry> entries =
        List.of(file("d/f", 0644, "x"), Ext4Tree.Entry.directory("d", 0700, 1_500_000_000L));
    Ext4Tree.Result r = kit.writeTree(kit.open(image), GuestPath.of("/late"), entries);
    assertEquals(1, r.directories());
    assertEquals(
        new RealImages.Stat("directory", 0700, 0, 0, -1), stat(image, "/late/d").ignoringSize());
    assertEquals(1_500_000_000L, mtime(image, "/late/d"));
    assertEquals("x", cat(image, "/late/d/f"));
    assertFsckClean(image);
  }

  @Test
  void refusesBeforeWritingAnything() throws Exception {
    Ext4Tree.Entry ok = file("ok", 0644, "x");
    assertRefused("appears twice", List.of(ok, file("ok", 0644, "y")));
    assertRefused(
        "below /t/l, which is a symlink",
        List.of(
            Ext4Tree.Entry.symlink("l", "/etc", 1),
            file("l/passwd", 0644, "root::0:0::/:/bin/sh\n")));
    assertRefused(
        "below /t/f, which is a regular", List.of(file("f", 0644, "x"), file("f/g", 0644, "y")));
    assertRefused("contains \"", List.of(file("a\"b", 0644, "x")));
    assertRefused("contains control character U+000A", List.of(file("a\nmkdir /x", 0644, "x")));
    assertRefused("has a '..' component", List.of(file("../escape", 0644, "x")));
    assertRefused("not a relative path", List.of(file("/abs", 0644, "x")));
    assertRefused("target with \"", List.of(Ext4Tree.Entry.symlink("l", "a\"; rm -rf /", 1)));
    assertRefused("outside ext4's range", List.of(Ext4Tree.Entry.directory("d", 0755, -1)));
    assertNull(stat(image, "/t"), "nothing written by any refused tree");
    assertFsckClean(image);
  }

  void assertRefused(String why, List<Ext4Tree.Entry> entries) {
    Ext4Exception e =
        assertThrows(
            Ext4Exception.class, () -> kit.writeTree(kit.open(image), GuestPath.of("/t"), entries));
    assertEquals(Ext4Exception.Kind.INVALID_ARGUMENT, e.kind(), e.getMessage());
    assertTrue(e.getMessage().contains(why), e.getMessage());
  }

  @Test
  void anExistingRootOrAFileAboveItIsRefused() throws Exception {
    kit.writeTree(kit.open(image), GuestPath.of("/repo"), List.of(file("f", 0644, "x")));
    Ext4Exception exists =
        assertThrows(
            Ext4Exception.class,
            () ->
                kit.writeTree(
                    kit.open(image), GuestPath.of("/repo"), List.of(file("g", 0644, "y"))));
    assertTrue(exists.getMessage().contains("/repo already exists"), exists.getMessage());
    Ext4Exception under =
        assertThrows(
            Ext4Exception.class,
            () ->
                kit.writeTree(
                    kit.open(image), GuestPath.of("/repo/f/x"), List.of(file("g", 0644, "y"))));
    assertEquals(Ext4Exception.Kind.WRONG_TYPE, under.kind());
    assertNull(stat(image, "/repo/g"));
  }

  @Test
  void aTreeLargerThanTheFreeSpaceIsRefusedUpFront() throws Exception {
    Path big = dir.resolve("big");
    try (var ch =
        java.nio.channels.FileChannel.open(
            big, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(0);
    }
    Ext4Tree.Entry huge =
        Ext4Tree.Entry.file("huge", 0644, 1, big, 200L << 20); // declared 200 MiB on 64 MiB
    Ext4Exception e =
        assertThrows(
            Ext4Exception.class,
            () -> kit.writeTree(kit.open(image), GuestPath.of("/repo"), List.of(huge)));
    assertEquals(Ext4Exception.Kind.OUT_OF_RANGE, e.kind());
    assertTrue(
        e.getMessage().contains("inodes free; this tree needs about 209731584 bytes"),
        e.getMessage());
    assertNull(stat(image, "/repo"));
  }
}
