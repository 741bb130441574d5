package dev.banger.cli.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vm cp's host side: a tree goes through HostTarWriter and HostTarExtractor unchanged, and a tar
 * from a hostile guest writes nothing outside the destination, whatever its names and links.
 */
class HostTarTest {

  @TempDir Path tmp;
  final StringWriter warnings = new StringWriter();

  @Test
  void aTreeGoesThroughWriterAndExtractorWithModesTimesAndLinks() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/tree/sub"));
    Path tree = src.getParent();
    Files.writeString(tree.resolve("run.sh"), "#!/bin/sh\n");
    Files.setPosixFilePermissions(
        tree.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.write(src.resolve("blob"), new byte[300_000]);
    Files.setLastModifiedTime(src.resolve("blob"), FileTime.fromMillis(1_600_000_000_000L));
    Files.createSymbolicLink(tree.resolve("link"), Path.of("sub/blob"));
    Files.createDirectories(tree.resolve("empty"));
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("r-xr-xr-x"));

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (HostTarWriter w = new HostTarWriter(bytes, new PrintWriter(warnings))) {
      w.add(tree, "tree");
      assertEquals(6, w.entries());
      assertEquals(300_010, w.bytes());
    }
    Path out = Files.createDirectories(tmp.resolve("out"));
    long n = extractor(out, "tree", "copy").extract(new ByteArrayInputStream(bytes.toByteArray()));

    assertEquals(6, n);
    Path copy = out.resolve("copy");
    assertEquals("#!/bin/sh\n", Files.readString(copy.resolve("run.sh")));
    assertEquals("rwxr-x---", perms(copy.resolve("run.sh")));
    assertEquals(300_000, Files.size(copy.resolve("sub/blob")));
    assertEquals(
        1_600_000_000_000L, Files.getLastModifiedTime(copy.resolve("sub/blob")).toMillis());
    assertEquals(Path.of("sub/blob"), Files.readSymbolicLink(copy.resolve("link")));
    assertTrue(Files.isDirectory(copy.resolve("empty")));
    assertEquals("r-xr-xr-x", perms(copy.resolve("sub")), "a read-only directory got its file");
    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(
        copy.resolve("sub"), PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void namesOutsideTheAskedPathAreRefusedByName() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("out"));
    for (String evil : new String[] {"/etc/evil", "top/../evil", "other/evil", "top//evil", ""}) {
      byte[] tar = tar(file(evil.isEmpty() ? "." : evil, "x"));
      IOException e =
          assertThrows(
              IOException.class,
              () -> extractor(out, "top", "top").extract(new ByteArrayInputStream(tar)),
              evil);
      assertTrue(e.getMessage().startsWith("refused tar entry"), e.getMessage());
    }
    assertFalse(Files.exists(tmp.resolve("evil")));
    assertFalse(Files.exists(out.resolve("evil")));
  }

  @Test
  void nothingIsWrittenThroughALinkTheStreamMadeOrOneAlreadyThere() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Path out = Files.createDirectories(tmp.resolve("out"));
    byte[] tar = tar(dir("top"), link("top/l", outside.toString()), file("top/l/pwn", "x"));
    IOException e =
        assertThrows(
            IOException.class,
            () -> extractor(out, "top", "top").extract(new ByteArrayInputStream(tar)));
    assertTrue(
        e.getMessage().contains("\"top/l/pwn\"") && e.getMessage().contains("symbolic link"));
    assertFalse(Files.exists(outside.resolve("pwn")));

    Path out2 = Files.createDirectories(tmp.resolve("out2"));
    Files.createSymbolicLink(out2.resolve("top"), outside);
    assertThrows(
        IOException.class,
        () ->
            extractor(out2, "top", "top")
                .extract(new ByteArrayInputStream(tar(file("top/x", "x")))));
    assertThrows(
        IOException.class,
        () -> extractor(out2, "top", "top").extract(new ByteArrayInputStream(tar(dir("top")))));
    assertFalse(Files.exists(outside.resolve("x")));
  }

  @Test
  void aFileOverALinkReplacesTheLinkNotItsTarget() throws Exception {
    Path victim = Files.writeString(tmp.resolve("victim"), "keep");
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.createSymbolicLink(out.resolve("f"), victim);
    extractor(out, "f", "f").extract(new ByteArrayInputStream(tar(file("f", "new"))));
    assertEquals("keep", Files.readString(victim));
    assertFalse(Files.isSymbolicLink(out.resolve("f")));
    assertEquals("new", Files.readString(out.resolve("f")));
  }

  @Test
  void setuidBitsDevicesAndHardLinks() throws Exception {
    Path out = Files.createDirectories(tmp.resolve("out"));
    TarArchiveEntry suid = file("top/suid", "x");
    suid.setMode(04755);
    TarArchiveEntry dev = new TarArchiveEntry("top/null", TarConstants.LF_CHR, false);
    TarArchiveEntry hard = new TarArchiveEntry("top/hard", TarConstants.LF_LINK, false);
    hard.setLinkName("top/suid");
    extractor(out, "top", "top")
        .extract(new ByteArrayInputStream(tar(dir("top"), suid, dev, hard)));
    assertEquals("rwxr-xr-x", perms(out.resolve("top/suid")), "no setuid bit on the host");
    assertFalse(Files.exists(out.resolve("top/null"), LinkOption.NOFOLLOW_LINKS));
    assertTrue(warnings.toString().contains("skipped top/null"), warnings.toString());
    assertEquals("x", Files.readString(out.resolve("top/hard")));

    TarArchiveEntry escape = new TarArchiveEntry("top/h2", TarConstants.LF_LINK, false);
    escape.setLinkName("/etc/shadow");
    Path out2 = Files.createDirectories(tmp.resolve("out2"));
    assertThrows(
        IOException.class,
        () ->
            extractor(out2, "top", "top")
                .extract(new ByteArrayInputStream(tar(dir("top"), escape))));
  }

  private HostTarExtractor extractor(Path into, String expected, String top) {
    return new HostTarExtractor(into, expected, top, new PrintWriter(warnings, true));
  }

  private static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  private static TarArchiveEntry file(String name, String content) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    e.setSize(content.getBytes(StandardCharsets.UTF_8).length);
    e.setMode(0644);
    return e;
  }

  private static TarArchiveEntry dir(String name) {
    TarArchiveEntry e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR, true);
    e.setMode(0755);
    return e;
  }

  private static TarArchiveEntry link(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    return e;
  }

  /** Entries as given (names unchecked, preserveAbsolutePath): file content is "x" or "new". */
  private static byte[] tar(TarArchiveEntry... entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (TarArchiveEntry e : entries) {
        t.putArchiveEntry(e);
        if (e.isFile() && e.getSize() > 0) {
          t.write((e.getSize() == 3 ? "new" : "x").getBytes(StandardCharsets.UTF_8));
        }
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }
}
