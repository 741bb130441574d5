package dev.banger.image.flatten;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * Opens a layer blob as an uncompressed tar stream. The compression is read from the bytes, not
 * the media type: registries and tools disagree on media types more often than on magic numbers.
 */
public final class LayerStreams {

  private LayerStreams() {}

  public enum Compression { NONE, GZIP, ZSTD }

  public static Compression detect(byte[] head, int n) {
    if (n >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b) {
      return Compression.GZIP;
    }
    if (n >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
        && (head[3] & 0xff) == 0xfd) {
      return Compression.ZSTD;
    }
    return Compression.NONE;
  }

  public static InputStream open(InputStream raw) throws IOException {
    BufferedInputStream in = new BufferedInputStream(raw, 1 << 16);
    in.mark(4);
    byte[] head = new byte[4];
    int n = in.readNBytes(head, 0, 4);
    in.reset();
    return switch (detect(head, n)) {
      case GZIP -> new GZIPInputStream(in, 1 << 16);
      case ZSTD -> new BufferedInputStream(new ZstdInputStream(in), 1 << 16);
      case NONE -> in;
    };
  }
}
