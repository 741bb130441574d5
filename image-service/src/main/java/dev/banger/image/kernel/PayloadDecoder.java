package dev.banger.image.kernel;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.SingleXZInputStream;

/**
 * Opens a decoding stream over a bzImage payload. Each decoder is chosen so that it stops at the
 * end of the first compressed stream and ignores what follows: the kernel build appends the
 * decompressed size as 4 bytes after every format but gzip (whose trailer already ends with it).
 */
final class PayloadDecoder {

  /**
   * Ceiling on the memory an xz or lzma header may ask for, in KiB. The dictionary size comes from
   * the file and xz-java allocates it up front, so without this a 20-byte file could demand
   * gigabytes. Kernel builds use 32 MiB (xz) and 64 MiB (lzma -9); zstd-jni's default window limit
   * (2^27 = 128 MiB) plays the same role for zstd.
   */
  static final int MAX_DECODER_MEMORY_KIB = 128 * 1024;

  private static final int BUFFER = 64 * 1024;

  private PayloadDecoder() {}

  static InputStream open(Compression compression, BoundedReader r, BzImageHeader header)
      throws IOException {
    long length = header.payloadLength();
    if (compression == Compression.ZSTD) {
      // zstd-jni would read the appended size bytes as a second frame: give it the frame only.
      length = ZstdFrame.length(r, header.payloadOffset(), length);
    }
    InputStream raw =
        new BufferedInputStream(r.stream(header.payloadOffset(), length, "payload"), BUFFER);
    return switch (compression) {
      // Ignores bytes after the trailer unless they start another gzip member (JDK behaviour).
      case GZIP -> new GZIPInputStream(raw, BUFFER);
      // Single: decodes exactly one .xz stream, no stream padding or concatenation.
      case XZ -> new SingleXZInputStream(raw, MAX_DECODER_MEMORY_KIB);
      // The kernel writes an unknown size and an end marker; decoding stops at the marker.
      case LZMA -> new LZMAInputStream(raw, MAX_DECODER_MEMORY_KIB);
      case BZIP2 -> new BZip2CompressorInputStream(raw, false);
      case ZSTD -> new ZstdInputStream(raw);
      case LZ4_LEGACY, LZO -> throw new IllegalArgumentException(compression + " has no decoder");
    };
  }
}
