package dev.banger.vm.app.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.Test;

/** What PutFiles lets through to the guest's tar, and the first entry it refuses, by name. */
public class TarGateTest {

  /** A tar of entries: "d:name", "f:name=content", "l:name>target", "h:name>target", "c:name". */
  public static byte[] tar(String... entries) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (String spec : entries) {
        String body = spec.substring(2);
        TarArchiveEntry e;
        byte[] content = new byte[0];
        switch (spec.charAt(0)) {
          case 'd' -> e = new TarArchiveEntry(body + "/");
          case 'f' -> {
            String[] kv = body.split("=", 2);
            e = new TarArchiveEntry(kv[0], true); // keeps a leading "/", as a hostile tar has
            content = kv[1].getBytes(StandardCharsets.UTF_8);
            e.setSize(content.length);
          }
          case 'l', 'h' -> {
            String[] kv = body.split(">", 2);
            e =
                new TarArchiveEntry(
                    kv[0], spec.charAt(0) == 'l' ? TarConstants.LF_SYMLINK : TarConstants.LF_LINK);
            e.setLinkName(kv[1]);
          }
          default -> e = new TarArchiveEntry(body, TarConstants.LF_CHR);
        }
        t.putArchiveEntry(e);
        t.write(content);
        t.closeArchiveEntry();
      }
    }
    return b.toByteArray();
  }

  public static List<String> namesOf(byte[] tar) throws Exception {
    List<String> names = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        names.add(e.getName() + (e.isSymbolicLink() || e.isLink() ? ">" + e.getLinkName() : ""));
      }
    }
    return names;
  }

  static String refusal(String... entries) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarGate.Refused r =
        assertThrows(
            TarGate.Refused.class, () -> TarGate.copy(new ByteArrayInputStream(tar(entries)), out));
    return r.getMessage();
  }

  @Test
  void namesAreNormalisedAndContentCounted() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarGate.Copied c =
        TarGate.copy(
            new ByteArrayInputStream(
                tar(
                    "d:./src",
                    "f:./src/a.txt=hello",
                    "l:src/link>/usr/bin/python3",
                    "h:b>src/a.txt")),
            out);
    assertEquals(4, c.entries());
    assertEquals(5, c.contentBytes());
    assertEquals(
        List.of("src/", "src/a.txt", "src/link>/usr/bin/python3", "b>src/a.txt"),
        namesOf(out.toByteArray()),
        "a symlink's target is data: it may point anywhere");
  }

  @Test
  void everyEscapeIsRefusedNamingTheEntry() throws Exception {
    assertEquals(
        "tar entry \"/etc/passwd\": an absolute name leaves the directory; names are relative to it",
        refusal("f:ok=1", "f:/etc/passwd=x"));
    assertEquals("tar entry \"a/../../x\": \"..\" leaves the directory", refusal("f:a/../../x=1"));
    assertEquals(
        "tar entry \"evil/passwd\": it passes through \"evil\", a symlink this stream made",
        refusal("l:evil>/etc", "f:evil/passwd=x"));
    assertEquals("tar entry \"h\": \"..\" leaves the directory", refusal("h:h>../outside"));
    assertTrue(refusal("c:dev/null").contains("only files, directories and links"));
    assertTrue(
        refusal("c:sda/").contains("only files, directories and links"),
        "a device whose name ends in / is no directory");
    assertEquals(
        "tar entry \"h/passwd\": it passes through \"h\", a symlink this stream made",
        refusal("l:evil>/etc", "h:h>evil", "f:h/passwd=x"),
        "a hard link to a symlink is a symlink");
  }

  @Test
  void headersTheGateDoesNotReadAreDropped() throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
      TarArchiveEntry e = new TarArchiveEntry("ok");
      e.addPaxHeader("GNU.sparse.name", "../../etc/passwd"); // GNU tar would write it there
      e.setSize(1);
      t.putArchiveEntry(e);
      t.write('x');
      t.closeArchiveEntry();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarGate.copy(new ByteArrayInputStream(b.toByteArray()), out);
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
      TarArchiveEntry e = in.getNextEntry();
      assertEquals("ok", e.getName());
      assertTrue(e.getExtraPaxHeaders().isEmpty(), e.getExtraPaxHeaders().toString());
    }
  }
}
