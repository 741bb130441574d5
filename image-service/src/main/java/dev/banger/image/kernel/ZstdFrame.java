package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelFormatException.Problem;
import java.io.IOException;

/**
 * Finds where the first zstd frame of a payload ends (RFC 8878 §3.1.1), by walking its block
 * headers. Needed because the kernel appends 4 bytes (the decompressed size) after the frame, and
 * zstd-jni's stream decoder treats any bytes after a frame as the start of another frame and fails
 * on them. Walking headers reads a few bytes per 128 KiB block and allocates nothing, unlike
 * loading the whole payload to ask the native library.
 */
final class ZstdFrame {

  private static final int MAGIC_SIZE = 4;
  private static final int BLOCK_HEADER_SIZE = 3;
  private static final int CHECKSUM_SIZE = 4;

  private ZstdFrame() {}

  /**
   * Length of the frame that starts at {@code start}, which lies inside {@code [start, start +
   * room)}.
   */
  static long length(BoundedReader r, long start, long room) throws IOException {
    long end = start + room;
    long pos = start + MAGIC_SIZE;
    int descriptor = u8(r, pos, end, "zstd frame header descriptor");
    pos++;
    int fcsFlag = descriptor >>> 6;
    boolean singleSegment = (descriptor & 0x20) != 0;
    boolean checksum = (descriptor & 0x04) != 0;
    int dictIdFlag = descriptor & 0x03;
    if ((descriptor & 0x08) != 0) {
      throw corrupt(r, "zstd frame header has its reserved bit set");
    }
    long headerRest =
        (singleSegment ? 0 : 1) // Window_Descriptor
            + new int[] {0, 1, 2, 4}[dictIdFlag]
            + new int[] {singleSegment ? 1 : 0, 2, 4, 8}[fcsFlag];
    pos += headerRest;
    while (true) {
      if (end - pos < BLOCK_HEADER_SIZE) {
        throw corrupt(r, "zstd frame ends without a last block (payload truncated?)");
      }
      byte[] b = r.bytes(pos, BLOCK_HEADER_SIZE, "zstd block header");
      int header = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16;
      boolean last = (header & 1) != 0;
      int blockType = (header >>> 1) & 3;
      long blockSize = header >>> 3;
      long contentSize =
          switch (blockType) {
            case 0, 2 -> blockSize; // raw, compressed
            case 1 -> 1; // RLE: one byte repeated blockSize times
            default ->
                throw corrupt(
                    r,
                    "zstd block at payload offset " + (pos - start) + " has the reserved type 3");
          };
      pos += BLOCK_HEADER_SIZE + contentSize;
      if (pos > end) {
        throw corrupt(r, "zstd block runs past the end of the payload (payload truncated?)");
      }
      if (last) {
        break;
      }
    }
    if (checksum) {
      pos += CHECKSUM_SIZE;
      if (pos > end) {
        throw corrupt(r, "zstd frame's checksum runs past the end of the payload");
      }
    }
    return pos - start;
  }

  private static int u8(BoundedReader r, long pos, long end, String what) throws IOException {
    if (pos >= end) {
      throw corrupt(r, what + " lies past the end of the payload");
    }
    return r.u8(pos, what);
  }

  private static KernelFormatException corrupt(BoundedReader r, String detail) {
    return r.fail(Problem.CORRUPT_PAYLOAD, detail);
  }
}
