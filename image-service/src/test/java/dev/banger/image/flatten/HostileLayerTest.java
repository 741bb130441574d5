package dev.banger.image.flatten;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.TarLayers;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Crafted layers that try to escape, confuse or exhaust the flattener. Each is rejected with a
 * message naming the rule, or neutralised; either way nothing appears outside the staging root. The
 * staging root sits beside an {@code outside/} directory that plays the host.
 */
class HostileLayerTest {

  @TempDir Path dir;
  Path root;
  Path outside;
  LayerFlattener f;

  @BeforeEach
  void setUp() throws Exception {
    root = Files.createDirectory(dir.resolve("root"));
    outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(outside.resolve("secret"), "host file");
    f = new LayerFlattener(root, new FlattenLimits(1 << 20, 4 << 20, 200), 1000, 1000);
  }

  /**
   * Rejections: a layer (built on a lower layer that plants links) and the words the error must
   * hold.
   */
  static Stream<Arguments> rejected() {
    String up = "../outside/evil";
    return Stream.of(
        // Path traversal in names (11).
        rej("dotdot", l -> l.file(up, "x"), "path traversal"),
        rej("dotdot-mid", l -> l.file("a/../../outside/evil", "x"), "path traversal"),
        rej("dot-slash-dotdot", l -> l.file("./../outside/evil", "x"), "path traversal"),
        rej("abs-dotdot", l -> l.file("/../outside/evil", "x"), "path traversal"),
        rej("deep-dotdot", l -> l.file("a/b/c/../../../../outside/evil", "x"), "path traversal"),
        rej("bare-dotdot-dir", l -> l.dir("..", 0755), "path traversal"),
        rej("trailing-dotdot", l -> l.dir("a/..", 0755), "path traversal"),
        rej("dotdot-symlink-name", l -> l.symlink("../outside/link", "/etc"), "path traversal"),
        rej(
            "dotdot-hardlink-name",
            l -> l.file("f", "x").hardlink("../outside/hl", "f"),
            "path traversal"),
        rej("double-slash-dotdot", l -> l.file("a//..//..//outside/evil", "x"), "path traversal"),
        rej("dotdot-device", l -> l.charDevice("../outside/dev", 1, 3, 0666), "path traversal"),
        // Symlinks that escape when followed (7).
        rej(
            "symlink-relative-escape",
            l -> l.symlink("esc", "../..").file("esc/outside/evil", "x"),
            "escapes the image root"),
        rej(
            "symlink-abs-dotdot",
            l -> l.symlink("esc", "/../../..").file("esc/evil", "x"),
            "escapes the image root"),
        rej(
            "symlink-chain-escape",
            l -> l.dir("a", 0755).symlink("a/up", "..").symlink("b", "a/up/..").file("b/evil", "x"),
            "escapes the image root"),
        rej(
            "symlink-loop",
            l -> l.symlink("l1", "l2").symlink("l2", "l1").file("l1/x", "x"),
            "too many levels"),
        rej("symlink-self-loop", l -> l.symlink("s", "s").file("s/x", "x"), "too many levels"),
        rej("symlink-empty-target", l -> l.symlink("empty", ""), "symlink target is empty"),
        rej(
            "whiteout-through-escape",
            l -> l.symlink("esc", "../..").file("esc/.wh.secret", ""),
            "escapes the image root"),
        // Hard links (7).
        rej(
            "hardlink-traversal",
            l -> l.hardlink("h", "../outside/secret"),
            "tar entry \"h\": hard link target \"../outside/secret\": path traversal"),
        rej("hardlink-abs-missing", l -> l.hardlink("h", "/etc/passwd"), "does not exist"),
        rej("hardlink-missing", l -> l.hardlink("h", "nowhere"), "does not exist"),
        rej(
            "hardlink-through-escape",
            l -> l.symlink("esc", "../..").hardlink("h", "esc/outside/secret"),
            "escapes the image root"),
        rej("hardlink-to-dir", l -> l.dir("d", 0755).hardlink("h", "d"), "directories"),
        rej("hardlink-to-root", l -> l.hardlink("h", "./"), "image root"),
        rej("hardlink-to-dotdot-root", l -> l.hardlink("h", "/.."), "path traversal"),
        // Whiteouts (5).
        rej("whiteout-dotdot", l -> l.file(".wh...", ""), "one entry"),
        rej("whiteout-dot", l -> l.file("a/.wh..", ""), "one entry"),
        rej("whiteout-empty", l -> l.file("a/.wh.", ""), "one entry"),
        rej("whiteout-traversal", l -> l.file("../.wh.outside", ""), "path traversal"),
        rej("whiteout-parent-dotdot", l -> l.file("a/../.wh.x", ""), "path traversal"),
        // Names debugfs cannot carry (11).
        rej("double-quote", l -> l.file("a\"b", "x"), "cannot be carried"),
        rej("form-feed", l -> l.file("a\fb", "x"), "cannot be carried"),
        rej("newline", l -> l.file("a\nb", "x"), "cannot be carried"),
        rej("carriage-return", l -> l.file("a\rb", "x"), "cannot be carried"),
        rej("tab", l -> l.file("a\tb", "x"), "cannot be carried"),
        rej("escape", l -> l.file("a\u001b[31mb", "x"), "cannot be carried"),
        rej("delete", l -> l.file("a\u007fb", "x"), "cannot be carried"),
        rej("c1-next-line", l -> l.file("a\u0085b", "x"), "cannot be carried"),
        rej("long-component", l -> l.file("x".repeat(256), "x"), "cannot be carried"),
        rej(
            "long-path",
            l -> l.file(("d".repeat(200) + "/").repeat(21) + "f", "x"),
            "cannot be carried"),
        // Found by LayerFlattenerFuzzTest: failed lstat with ENAMETOOLONG, an I/O error.
        rej(
            "symlink-target-long-component",
            l -> l.symlink("s", "x".repeat(256)).file("s/f", "x"),
            "cannot be carried"),
        rej(
            "symlink-target-dir-name-quote",
            l -> l.symlink("s", "q\"x").file("s/f", "x"),
            "cannot be carried"),
        // Types and headers (6).
        rej(
            "file-under-device",
            l -> l.charDevice("dev/null", 1, 3, 0666).file("dev/null/x", "x"),
            "device node"),
        rej("file-under-file", l -> l.file("f", "x").file("f/x", "x"), "not a directory"),
        rej("root-as-file", l -> l.raw(".", TarConstants.LF_NORMAL, "x".getBytes()), "image root"),
        rej(
            "multivolume-type",
            l -> l.raw("m", TarConstants.LF_MULTIVOLUME, new byte[0]),
            "not supported"),
        // Found by LayerFlattenerFuzzTest: the flag byte was echoed raw.
        rej("control-char-type", l -> l.raw("c", (byte) 1, new byte[0]), "type '\\x01'"),
        rej(
            "uid-out-of-range",
            l -> l.file("u", "x".getBytes(), 0644, 1L << 33, 0),
            "out of range"),
        rej(
            "gid-out-of-range",
            l -> l.file("g", "x".getBytes(), 0644, 0, 0xFFFF_FFFFL),
            "out of range"),
        // Size guards (4).
        rej(
            "file-over-entry-limit",
            l -> l.file("big", new byte[(1 << 20) + 1], 0644, 0, 0),
            "limit is"),
        rej(
            "files-over-total-limit",
            l ->
                l.file("b1", new byte[1 << 20], 0644, 0, 0)
                    .file("b2", new byte[1 << 20], 0644, 0, 0)
                    .file("b3", new byte[1 << 20], 0644, 0, 0)
                    .file("b4", new byte[1 << 20], 0644, 0, 0)
                    .file("b5", new byte[1], 0644, 0, 0),
            "limit of"),
        rej(
            "too-many-entries",
            l -> {
              for (int i = 0; i < 201; i++) {
                l.dir("d" + i, 0755);
              }
              return l;
            },
            "more than 200 entries"),
        rej(
            "empty-name-long-link",
            l -> l.raw("", TarConstants.LF_NORMAL, new byte[1]),
            "image root"));
  }

  private static Arguments rej(String name, Function<TarLayers, TarLayers> layer, String expect) {
    return Arguments.of(name, layer, expect);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rejected")
  void rejected(String name, Function<TarLayers, TarLayers> layer, String expect) throws Exception {
    List<String> before = listing(dir);
    LayerRejectedException e =
        assertThrows(
            LayerRejectedException.class,
            () -> f.apply(layer.apply(TarLayers.layer()).stream(), "hostile"));
    assertTrue(e.getMessage().contains(expect), name + ": " + e.getMessage());
    assertFalse(
        e.getMessage().chars().anyMatch(c -> c < 0x20),
        "no control characters echoed: " + e.getMessage());
    assertOutsideUntouched(before);
  }

  /**
   * Commons Compress decodes a byte that is not UTF-8 as '?': the name changes but stays inside.
   */
  @Test
  void invalidUtf8BytesInNamesBecomeQuestionMarks() throws Exception {
    List<String> before = listing(dir);
    f.apply(TarLayers.layer().latin1Names().file("caf\u00e9", "x").stream(), "hostile");
    assertEquals("x", Files.readString(root.resolve("caf?")));
    assertOutsideUntouched(before);
  }

  /**
   * GNU tar's own PAX 1.0 sparse output: a file of {@code realSize} bytes holding "abcd" and a
   * hole.
   */
  private byte[] gnuSparseTar(long realSize) throws Exception {
    Path src = Files.createDirectories(dir.resolve("sparse-src"));
    try (var f = new java.io.RandomAccessFile(src.resolve("s").toFile(), "rw")) {
      f.write("abcd".getBytes());
      f.setLength(realSize);
    }
    Path tar = dir.resolve("sparse.tar");
    dev.banger.ext4.RealImages.check(
        dev.banger.kit.process.Command.of(
                "tar",
                "--format=pax",
                "--sparse",
                "--sparse-version=1.0",
                "-cf",
                tar.toString(),
                "-C",
                src.toString(),
                "s")
            .build());
    byte[] bytes = Files.readAllBytes(tar);
    dev.banger.kit.state.DirectoryTrees.delete(src);
    Files.delete(tar);
    return bytes;
  }

  @Test
  void aSparseFileWithinTheLimitsIsStagedSparse() throws Exception {
    f.apply(new java.io.ByteArrayInputStream(gnuSparseTar(1 << 20)), "t");
    Path s = root.resolve("s");
    assertEquals(1 << 20, Files.size(s));
    assertEquals("abcd", new String(Files.readAllBytes(s), 0, 4));
  }

  @Test
  void aSparseFileIsJudgedByItsRealSize() throws Exception {
    byte[] tar = gnuSparseTar(2 << 20);
    List<String> before = listing(dir);
    var e =
        assertThrows(
            LayerRejectedException.class,
            () -> f.apply(new java.io.ByteArrayInputStream(tar), "t"));
    assertTrue(e.getMessage().contains("limit is"), e.getMessage());
    assertOutsideUntouched(before);
  }

  @Test
  void aTerabyteSparseFileIsRefusedBeforeAnythingIsWritten() throws Exception {
    f = new LayerFlattener(root, FlattenLimits.defaults(), 1000, 1000);
    byte[] tar = gnuSparseTar(1L << 40);
    var e =
        assertThrows(
            LayerRejectedException.class,
            () -> f.apply(new java.io.ByteArrayInputStream(tar), "t"));
    assertTrue(
        e.getMessage().contains("limit") || e.getMessage().contains("malformed"), e.getMessage());
    assertFalse(Files.exists(root.resolve("s")));
  }

  /** Neutralised: accepted, but confined to the root. */
  @Test
  void absoluteNamesMeanTheImageRoot() throws Exception {
    f.apply(
        TarLayers.layer()
            .file("/etc/passwd", "p")
            .file("//etc//group", "g")
            .file("./././etc/hosts", "h")
            .stream(),
        "t");
    assertEquals("p", Files.readString(root.resolve("etc/passwd")));
    assertEquals("g", Files.readString(root.resolve("etc/group")));
    assertEquals("h", Files.readString(root.resolve("etc/hosts")));
  }

  @Test
  void absoluteSymlinksAreFollowedInsideTheRootNeverOnTheHost() throws Exception {
    String hostDir = outside.toString();
    List<String> before = listing(dir);
    f.apply(TarLayers.layer().symlink("abs", hostDir).file("abs/evil", "x").stream(), "t");
    assertEquals("x", Files.readString(root.resolve(hostDir.substring(1)).resolve("evil")));
    assertOutsideUntouched(before);
  }

  @Test
  void aFileOverAPlantedSymlinkReplacesTheLinkInsteadOfWritingThroughIt() throws Exception {
    Path secret = outside.resolve("secret");
    f.apply(TarLayers.layer().symlink("p", secret.toString()).stream(), "lower");
    f.apply(TarLayers.layer().file("p", "overwritten?").stream(), "upper");
    assertEquals("host file", Files.readString(secret));
    assertFalse(Files.isSymbolicLink(root.resolve("p")));
    assertEquals("overwritten?", Files.readString(root.resolve("p")));
  }

  @Test
  void aDirectoryOverAPlantedSymlinkBecomesARealDirectory() throws Exception {
    f.apply(TarLayers.layer().symlink("d", "../outside").stream(), "lower");
    f.apply(TarLayers.layer().dir("d", 0755).file("d/evil", "x").stream(), "upper");
    assertTrue(Files.isDirectory(root.resolve("d"), LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(outside.resolve("evil")));
  }

  @Test
  void escapingSymlinksAreKeptAsDataWhenNothingGoesThroughThem() throws Exception {
    f.apply(TarLayers.layer().symlink("up", "../../../../etc/shadow").stream(), "t");
    assertEquals("../../../../etc/shadow", Files.readSymbolicLink(root.resolve("up")).toString());
  }

  @Test
  void hostileLookingButCarriableNamesAreKept() throws Exception {
    List<String> names =
        List.of(
            "$(reboot)",
            "`id`",
            "a;b",
            "a b",
            "-rf",
            "'q'",
            "h\u00e9llo",
            "#x",
            "*",
            "?",
            "日本",
            "a|b",
            "a&b",
            "~",
            "...",
            ".wh",
            "x.wh.y",
            // debugfs takes backslashes literally; systemd's escaped unit names need them.
            "system-systemd\\x2dcryptsetup.slice",
            "trailing\\",
            "\\\\");
    TarLayers l = TarLayers.layer();
    names.forEach(n -> l.file("n/" + n, n));
    f.apply(l.stream(), "t");
    for (String n : names) {
      assertEquals(n, Files.readString(root.resolve("n").resolve(n)), n);
    }
    assertEquals(names.size(), f.finish().entries().subMap("n/", "n0").size());
  }

  @Test
  void duplicateEntriesLastOneWins() throws Exception {
    f.apply(
        TarLayers.layer()
            .file("d", "one")
            .file("d", "two")
            .fifo("d", 0644)
            .file("d", "three")
            .stream(),
        "t");
    assertEquals("three", Files.readString(root.resolve("d")));
  }

  @Test
  void aWhiteoutDropsADevicesMetadata() throws Exception {
    f.apply(TarLayers.layer().blockDevice("dev/sda", 8, 0, 0660).stream(), "lower");
    f.apply(TarLayers.layer().file("dev/.wh.sda", "").stream(), "upper");
    assertFalse(f.finish().entries().containsKey("dev/sda"));
  }

  private void assertOutsideUntouched(List<String> before) throws IOException {
    List<String> after = listing(dir).stream().filter(p -> !p.startsWith("root")).toList();
    assertEquals(
        before.stream().filter(p -> !p.startsWith("root")).toList(),
        after,
        "nothing written outside the root");
    assertEquals("host file", Files.readString(outside.resolve("secret")));
  }

  private static List<String> listing(Path d) throws IOException {
    try (Stream<Path> s = Files.walk(d)) {
      return s.map(p -> d.relativize(p).toString()).sorted().toList();
    }
  }
}
