package dev.banger.image.testing;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Builds tar layers in memory for tests, entry by entry, in the order given: {@code
 * TarLayers.layer().file("etc/hostname", "x\n", 0644, 0, 0).dir("usr/bin", 0755) .symlink("bin",
 * "usr/bin").build(Compression.GZIP)}.
 *
 * <p>PAX headers carry long names and big uid/gid/size values, like the tars real images hold.
 * Modes are written as permission bits only (what GNU tar writes); the entry type says what kind of
 * file it is. Every entry gets the same fixed mtime so a layer's bytes (and digest) depend only on
 * what was added.
 */
public final class TarLayers {

  /** How a layer's tar is compressed, with the OCI media type for each. */
  public enum Compression {
    NONE("application/vnd.oci.image.layer.v1.tar"),
    GZIP("application/vnd.oci.image.layer.v1.tar+gzip"),
    ZSTD("application/vnd.oci.image.layer.v1.tar+zstd");

    private final String mediaType;

    Compression(String mediaType) {
      this.mediaType = mediaType;
    }

    public String mediaType() {
      return mediaType;
    }
  }

  public static final Instant MTIME = Instant.parse("2024-01-01T00:00:00Z");

  private record Item(TarArchiveEntry entry, byte[] content) {}

  private final List<Item> items = new ArrayList<>();
  private boolean latin1Names;

  private TarLayers() {}

  public static TarLayers layer() {
    return new TarLayers();
  }

  /** A root-owned 0644 file. */
  public TarLayers file(String path, String content) {
    return file(path, content, 0644, 0, 0);
  }

  public TarLayers file(String path, String content, int mode, long uid, long gid) {
    return file(path, content.getBytes(StandardCharsets.UTF_8), mode, uid, gid);
  }

  public TarLayers file(String path, byte[] content, int mode, long uid, long gid) {
    TarArchiveEntry e = entry(path, TarConstants.LF_NORMAL, mode, uid, gid);
    e.setSize(content.length);
    return add(e, content);
  }

  public TarLayers dir(String path, int mode) {
    return dir(path, mode, 0, 0);
  }

  public TarLayers dir(String path, int mode, long uid, long gid) {
    return add(
        entry(path.endsWith("/") ? path : path + "/", TarConstants.LF_DIR, mode, uid, gid), null);
  }

  /** A symbolic link at {@code path} pointing to {@code target} (stored verbatim). */
  public TarLayers symlink(String path, String target) {
    TarArchiveEntry e = entry(path, TarConstants.LF_SYMLINK, 0777, 0, 0);
    e.setLinkName(target);
    return add(e, null);
  }

  /** A hard link at {@code path} to the earlier entry {@code target}. */
  public TarLayers hardlink(String path, String target) {
    TarArchiveEntry e = entry(path, TarConstants.LF_LINK, 0644, 0, 0);
    e.setLinkName(target);
    return add(e, null);
  }

  public TarLayers charDevice(String path, int major, int minor, int mode) {
    return device(path, TarConstants.LF_CHR, major, minor, mode);
  }

  public TarLayers blockDevice(String path, int major, int minor, int mode) {
    return device(path, TarConstants.LF_BLK, major, minor, mode);
  }

  public TarLayers fifo(String path, int mode) {
    return fifo(path, mode, 0, 0);
  }

  public TarLayers fifo(String path, int mode, long uid, long gid) {
    return add(entry(path, TarConstants.LF_FIFO, mode, uid, gid), null);
  }

  /**
   * Writes names in ISO-8859-1 with no PAX path header, so a character below U+0100 becomes one raw
   * byte: a name that is not valid UTF-8, as old tools write them.
   */
  public TarLayers latin1Names() {
    latin1Names = true;
    return this;
  }

  /** An overlay whiteout: deletes {@code path} from lower layers. */
  public TarLayers whiteout(String path) {
    int slash = path.lastIndexOf('/');
    return file(
        path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), new byte[0], 0644, 0, 0);
  }

  /** An opaque-directory marker: hides everything lower layers put in {@code dir}. */
  public TarLayers opaque(String dir) {
    return file((dir.endsWith("/") ? dir : dir + "/") + ".wh..wh..opq", new byte[0], 0644, 0, 0);
  }

  /**
   * An entry exactly as given: the name is not normalised (absolute paths, {@code ..}, odd bytes
   * all survive), for tests of hostile layers.
   *
   * @param type a {@link TarConstants} {@code LF_*} flag
   * @param content file data, or null for none
   */
  public TarLayers raw(String name, byte type, byte[] content) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(0644);
    e.setModTime(MTIME.toEpochMilli());
    e.setSize(content == null ? 0 : content.length);
    return add(e, content);
  }

  /** Adds an extended attribute to the entry added last (PAX {@code SCHILY.xattr.*}). */
  public TarLayers xattr(String name, String value) {
    if (items.isEmpty()) {
      throw new IllegalStateException("xattr applies to the entry added last; add one first");
    }
    items.getLast().entry().addPaxHeader("SCHILY.xattr." + name, value);
    return this;
  }

  /** The uncompressed tar as a stream, for feeding a flattener directly. */
  public java.io.InputStream stream() {
    return new ByteArrayInputStream(build(Compression.NONE));
  }

  /** The tar bytes, compressed. */
  public byte[] build(Compression compression) {
    ByteArrayOutputStream tar = new ByteArrayOutputStream();
    String encoding =
        latin1Names ? StandardCharsets.ISO_8859_1.name() : StandardCharsets.UTF_8.name();
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar, encoding)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      out.setAddPaxHeadersForNonAsciiNames(!latin1Names);
      for (Item i : items) {
        out.putArchiveEntry(i.entry());
        if (i.content() != null) {
          out.write(i.content());
        }
        out.closeArchiveEntry();
      }
      out.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return compress(tar.toByteArray(), compression);
  }

  public static byte[] compress(byte[] bytes, Compression compression) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (OutputStream out =
        switch (compression) {
          case NONE -> buf;
          case GZIP -> new GZIPOutputStream(buf);
          case ZSTD -> new ZstdOutputStream(buf);
        }) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }

  public static byte[] decompress(byte[] bytes, Compression compression) {
    try (InputStream in =
        switch (compression) {
          case NONE -> new ByteArrayInputStream(bytes);
          case GZIP -> new GZIPInputStream(new ByteArrayInputStream(bytes));
          case ZSTD -> new ZstdInputStream(new ByteArrayInputStream(bytes));
        }) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TarLayers device(String path, byte type, int major, int minor, int mode) {
    TarArchiveEntry e = entry(path, type, mode, 0, 0);
    e.setDevMajor(major);
    e.setDevMinor(minor);
    return add(e, null);
  }

  private static TarArchiveEntry entry(String path, byte type, int mode, long uid, long gid) {
    // Names go out as given: absolute names and ".." survive, for tests of hostile layers.
    TarArchiveEntry e = new TarArchiveEntry(path, type, true);
    e.setMode(mode & 07777);
    e.setUserId(uid);
    e.setGroupId(gid);
    e.setModTime(MTIME.toEpochMilli());
    return e;
  }

  private TarLayers add(TarArchiveEntry e, byte[] content) {
    items.add(new Item(e, content));
    return this;
  }
}
