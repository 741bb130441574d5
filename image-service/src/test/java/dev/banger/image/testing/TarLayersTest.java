package dev.banger.image.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.testing.TarLayers.Compression;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The layer builder itself: what goes in comes back out of a plain tar reader. */
class TarLayersTest {

  static List<TarArchiveEntry> read(byte[] tar, List<byte[]> contents) throws Exception {
    List<TarArchiveEntry> out = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
        out.add(e);
        contents.add(in.readAllBytes());
      }
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(Compression.class)
  void everyEntryKindRoundTrips(Compression c) throws Exception {
    String longName = "usr/share/" + "d".repeat(120) + "/file";
    byte[] layer =
        TarLayers.layer()
            .file("etc/hostname", "x\n", 0644, 0, 0)
            .dir("usr/bin", 0755)
            .symlink("bin", "usr/bin")
            .hardlink("etc/hostname2", "etc/hostname")
            .charDevice("dev/null", 1, 3, 0666)
            .blockDevice("dev/sda", 8, 0, 0660)
            .fifo("run/fifo", 0600)
            .file(longName, "long", 04755, 3_000_000_000L, 70_000)
            .xattr("user.note", "hi")
            .whiteout("etc/gone")
            .opaque("var/cache")
            .raw("../escape", TarConstants.LF_NORMAL, "evil".getBytes())
            .raw("/abs/path", TarConstants.LF_SYMLINK, null)
            .build(c);
    List<byte[]> contents = new ArrayList<>();
    List<TarArchiveEntry> es = read(TarLayers.decompress(layer, c), contents);
    assertEquals(
        List.of(
            "etc/hostname",
            "usr/bin/",
            "bin",
            "etc/hostname2",
            "dev/null",
            "dev/sda",
            "run/fifo",
            longName,
            "etc/.wh.gone",
            "var/cache/.wh..wh..opq",
            "../escape",
            "/abs/path"),
        es.stream().map(TarArchiveEntry::getName).toList());
    assertArrayEquals("x\n".getBytes(), contents.get(0));
    assertTrue(es.get(1).isDirectory());
    assertEquals(0755, es.get(1).getMode() & 07777);
    assertTrue(es.get(2).isSymbolicLink());
    assertEquals("usr/bin", es.get(2).getLinkName());
    assertTrue(es.get(3).isLink());
    assertEquals("etc/hostname", es.get(3).getLinkName());
    assertTrue(es.get(4).isCharacterDevice());
    assertEquals(3, es.get(4).getDevMinor());
    assertTrue(es.get(5).isBlockDevice());
    assertEquals(8, es.get(5).getDevMajor());
    assertTrue(es.get(6).isFIFO());
    assertEquals(04755, es.get(7).getMode() & 07777);
    assertEquals(3_000_000_000L, es.get(7).getLongUserId());
    assertEquals(70_000, es.get(7).getLongGroupId());
    assertEquals("hi", es.get(7).getExtraPaxHeader("SCHILY.xattr.user.note"));
    assertArrayEquals("evil".getBytes(), contents.get(10));
  }

  @Test
  void theSameEntriesGiveTheSameBytes() {
    byte[] a = TarLayers.layer().file("a", "1", 0644, 0, 0).build(Compression.GZIP);
    byte[] b = TarLayers.layer().file("a", "1", 0644, 0, 0).build(Compression.GZIP);
    assertArrayEquals(a, b);
  }
}
