package dev.banger.image.flatten;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Crafts tar layers entry by entry, hostile ones included: names are written as given (absolute
 * names and {@code ..} kept), and any header field can be set by hand.
 */
final class RawTar {

  private record Item(TarArchiveEntry entry, byte[] data) {}

  private final List<Item> items = new ArrayList<>();
  private String encoding = "UTF-8";

  static RawTar layer() {
    return new RawTar();
  }

  /** Names go out in ISO-8859-1, so a char below U+0100 becomes one raw byte (invalid UTF-8). */
  RawTar latin1Names() {
    encoding = "ISO-8859-1";
    return this;
  }

  RawTar file(String name, String content) {
    return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
  }

  RawTar file(String name, byte[] content, int mode, long uid, long gid) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setSize(content.length);
    e.setMode(mode);
    e.setUserId(uid);
    e.setGroupId(gid);
    return add(e, content);
  }

  RawTar dir(String name, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/", true);
    e.setMode(mode);
    return add(e, null);
  }

  RawTar symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    e.setMode(0777);
    return add(e, null);
  }

  RawTar hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    return add(e, null);
  }

  RawTar device(String name, byte type, int major, int minor, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    e.setMode(mode);
    return add(e, null);
  }

  /** Any entry, shaped by hand. */
  RawTar raw(String name, byte type, byte[] data, Consumer<TarArchiveEntry> shape) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    if (data != null) {
      e.setSize(data.length);
    }
    shape.accept(e);
    return add(e, data);
  }

  private RawTar add(TarArchiveEntry e, byte[] data) {
    items.add(new Item(e, data));
    return this;
  }

  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, encoding)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Item i : items) {
        tar.putArchiveEntry(i.entry());
        if (i.data() != null) {
          tar.write(i.data());
        }
        tar.closeArchiveEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  InputStream stream() {
    return new ByteArrayInputStream(bytes());
  }
}
