package dev.banger.image.flatten;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Opens a layer blob (or a catalog bundle) as an uncompressed tar stream. The compression is read
 * from the bytes, not the media type or file name: registries and tools disagree on those more
 * often than on magic numbers.
 */
public final class LayerStreams {

  /**
   * Ceiling on the memory an xz header may ask for, in KiB: xz-java allocates the dictionary the
   * file names up front, so without it a few bytes could demand gigabytes. {@code xz -9} uses 64
   * MiB. zstd-jni's default window limit (128 MiB) plays the same role for zstd.
   */
  static final int MAX_XZ_MEMORY_KIB = 128 * 1024;

  private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};

  private LayerStreams() {}

  public enum Compression {
    NONE,
    GZIP,
    ZSTD,
    XZ
  }

  public static Compression detect(byte[] head, int n) {
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    if (n >= 4
        && (head[0] & 0xff) == 0x28
        && (head[1] & 0xff) == 0xb5
        && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return Compression.ZSTD;
    }
    if (n >= XZ_MAGIC.length
        && java.util.Arrays.equals(head, 0, XZ_MAGIC.length, XZ_MAGIC, 0, XZ_MAGIC.length)) {
      return Compression.XZ;
    }
    return Compression.NONE;
  }

  public static InputStream open(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(XZ_MAGIC.length);
    byte[] head = new byte[XZ_MAGIC.length];
    int n = in.readNBytes(head, 0, head.length);
    in.reset();
    return switch (detect(head, n)) {
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 1 << 16);
      case XZ -> new BufferedInputStream(new XZInputStream(in, MAX_XZ_MEMORY_KIB), 1 << 16);
      case NONE -> in;
    };
  }
}
