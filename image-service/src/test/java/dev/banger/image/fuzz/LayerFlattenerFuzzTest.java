package dev.banger.image.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.banger.ext4.FileType;
import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.flatten.FlattenLimits;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.flatten.LayerRejectedException;
import dev.banger.image.flatten.LayerStreams;
import dev.banger.image.testing.TarLayers;
import dev.banger.kit.state.DirectoryTrees;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Fuzzes {@link LayerFlattener} with hostile layers (docs/image-service.md, "Flatten rules"). The
 * staging root sits beside an {@code outside/} directory holding a {@code secret} file, which plays
 * the host. Whatever the layers hold:
 *
 * <ul>
 *   <li>{@code apply} succeeds or refuses with {@link LayerRejectedException}; for {@link
 *       #rawLayer} (arbitrary bytes, so truncated tars and broken compression) an {@link
 *       IOException} too, which {@code apply} declares for a stream that cannot be read.
 *   <li>nothing outside the root changes: {@code outside/} keeps exactly its one file, with its
 *       content and a link count of 1 (no hard link into the root was made to it).
 *   <li>after a successful flatten, what is staged and the metadata {@code finish()} reports agree:
 *       every staged path has metadata of the same type, and every path with metadata that is not a
 *       device node or FIFO (those are metadata only) is staged.
 * </ul>
 *
 * <p>Symlinks are not required to point inside the root: the rules store them verbatim and only
 * ever follow them inside the root, so an escaping target is data, not an escape.
 *
 * <p>Seeds live in {@code src/test/resources/dev/banger/image/fuzz/LayerFlattenerFuzzTestInputs/}.
 */
class LayerFlattenerFuzzTest {

  private static final FlattenLimits LIMITS = new FlattenLimits(1 << 20, 4 << 20, 200);
  private static final String SECRET = "host file";
  private static final int MAX_LAYERS = 4;
  private static final int MAX_ENTRIES = 64;

  /**
   * Layers written by a small line script, so the seeds are readable and every input is a
   * well-formed tar. One entry per line, {@code ---} starts the next layer, {@code $OUT} stands for
   * the absolute path of the {@code outside/} directory:
   *
   * <pre>
   * F name content   regular file (content is the rest of the line)
   * D name           directory
   * S name target    symlink
   * H name target    hard link
   * C name           char device 1:3      B name   block device 8:0      P name   FIFO
   * R t name         an entry of tar type flag t (one character), no content
   * </pre>
   *
   * A well-formed layer never fails with an I/O error on a healthy disk: the layer is applied or
   * refused for what it holds.
   */
  @FuzzTest
  void layerScript(byte[] script) throws IOException {
    withStaging(
        (root, outside) -> {
          List<byte[]> layers = buildLayers(new String(script, StandardCharsets.UTF_8), outside);
          if (layers == null) {
            return; // the script asked for something commons-compress cannot write
          }
          LayerFlattener f = new LayerFlattener(root, LIMITS, 1000, 1000);
          try {
            for (int i = 0; i < layers.size(); i++) {
              f.apply(new ByteArrayInputStream(layers.get(i)), "layer " + (i + 1));
            }
          } catch (LayerRejectedException e) {
            assertRejection(e);
            return;
          }
          assertConsistent(root, f.finish());
        });
  }

  /**
   * Arbitrary bytes as a layer blob, opened the way a pull opens one (compression read from the
   * magic number), so tar headers, PAX records and the decompressors are all in reach.
   */
  @FuzzTest
  void rawLayer(byte[] blob) throws IOException {
    withStaging(
        (root, outside) -> {
          LayerFlattener f = new LayerFlattener(root, LIMITS, 1000, 1000);
          try (InputStream in = LayerStreams.open(new ByteArrayInputStream(blob))) {
            f.apply(in, "layer");
          } catch (LayerRejectedException e) {
            assertRejection(e);
            return;
          } catch (IOException e) {
            return; // a stream that cannot be read: truncated tar, corrupt gzip/zstd/xz
          }
          assertConsistent(root, f.finish());
        });
  }

  private interface Body {
    void run(Path root, Path outside) throws IOException;
  }

  private static void withStaging(Body body) throws IOException {
    Path dir = Files.createTempDirectory("flatten-fuzz");
    try {
      Path root = Files.createDirectory(dir.resolve("root"));
      Path outside = Files.createDirectory(dir.resolve("outside"));
      Files.writeString(outside.resolve("secret"), SECRET);
      try {
        body.run(root, outside);
      } finally {
        assertOutsideUntouched(dir, outside);
      }
    } finally {
      DirectoryTrees.delete(dir);
    }
  }

  private static void assertRejection(LayerRejectedException e) {
    assertNotNull(e.reason());
    assertFalse(
        e.getMessage().chars().anyMatch(c -> c < 0x20 || c == 0x7f),
        "no control characters echoed: " + e.getMessage());
  }

  private static void assertOutsideUntouched(Path dir, Path outside) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(
          List.of("outside", "root"),
          s.map(p -> p.getFileName().toString()).sorted().toList(),
          "nothing written beside the root");
    }
    try (Stream<Path> s = Files.list(outside)) {
      assertEquals(List.of(outside.resolve("secret")), s.toList(), "nothing written outside");
    }
    Path secret = outside.resolve("secret");
    assertTrue(Files.isRegularFile(secret, LinkOption.NOFOLLOW_LINKS));
    assertEquals(SECRET, Files.readString(secret), "the host file is unchanged");
    assertEquals(1, Files.getAttribute(secret, "unix:nlink"), "no hard link to the host file");
  }

  /** What is staged and what finish() says about it agree. */
  private static void assertConsistent(Path root, FlattenResult r) throws IOException {
    Map<String, EntryMeta> meta = r.entries();
    List<String> staged = new ArrayList<>();
    try (Stream<Path> s = Files.walk(root)) {
      s.forEach(p -> staged.add(root.relativize(p).toString()));
    }
    for (String rel : staged) {
      EntryMeta m = meta.get(rel);
      assertNotNull(m, "staged without metadata: " + rel);
      BasicFileAttributes a =
          Files.readAttributes(
              rel.isEmpty() ? root : root.resolve(rel),
              BasicFileAttributes.class,
              LinkOption.NOFOLLOW_LINKS);
      FileType onDisk =
          a.isSymbolicLink()
              ? FileType.SYMLINK
              : a.isDirectory() ? FileType.DIRECTORY : a.isRegularFile() ? FileType.REGULAR : null;
      assertEquals(m.type(), onDisk, "staged type of " + rel);
    }
    for (Map.Entry<String, EntryMeta> e : meta.entrySet()) {
      if (!e.getValue().isSpecial()) {
        assertTrue(staged.contains(e.getKey()), "metadata without a staged path: " + e.getKey());
      }
    }
  }

  /** The layers a script describes, or null when commons-compress cannot write one of them. */
  private static List<byte[]> buildLayers(String script, Path outside) {
    List<byte[]> out = new ArrayList<>();
    TarLayers layer = TarLayers.layer();
    int entries = 0;
    try {
      for (String line : script.split("\n", -1)) {
        if (line.equals("---")) {
          if (out.size() + 1 >= MAX_LAYERS) {
            break;
          }
          out.add(layer.build(TarLayers.Compression.NONE));
          layer = TarLayers.layer();
          entries = 0;
          continue;
        }
        if (line.length() < 3 || line.charAt(1) != ' ' || ++entries > MAX_ENTRIES) {
          continue;
        }
        String[] p = line.substring(2).replace("$OUT", outside.toString()).split(" ", 2);
        String name = p[0];
        String arg = p.length > 1 ? p[1] : "";
        switch (line.charAt(0)) {
          case 'F' -> layer.file(name, arg);
          case 'D' -> layer.dir(name, 0755);
          case 'S' -> layer.symlink(name, arg);
          case 'H' -> layer.hardlink(name, arg);
          case 'C' -> layer.charDevice(name, 1, 3, 0666);
          case 'B' -> layer.blockDevice(name, 8, 0, 0660);
          case 'P' -> layer.fifo(name, 0644);
          case 'R' -> {
            if (name.length() == 1 && !arg.isEmpty()) {
              layer.raw(arg, (byte) name.charAt(0), null);
            }
          }
          default -> {}
        }
      }
      out.add(layer.build(TarLayers.Compression.NONE));
    } catch (IllegalArgumentException | UncheckedIOException e) {
      return null;
    }
    return out;
  }
}
