package dev.banger.image.build;

import dev.banger.kit.ops.Cancellation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Copies a disk image keeping it sparse: a chunk of zeros becomes a hole in the copy instead of
 * written blocks, so a 4 GiB rootfs holding 600 MB of files costs about 600 MB, as the original
 * did. Done in Java rather than {@code cp --sparse=always} so the copy reports progress and stops
 * when the call is cancelled.
 */
public final class SparseCopy {

  /** Large enough to stream at disk speed, small enough that holes of a few blocks are kept. */
  static final int CHUNK = 1 << 20;

  private static final int BLOCK = 4096;
  private static final byte[] ZEROS = new byte[BLOCK];

  /** Told bytes copied so far and the total, about once per 64 MiB. */
  public interface Progress {
    void copied(long done, long total);
  }

  private SparseCopy() {}

  /**
   * Copies {@code from} to a new file {@code to} (which must not exist).
   *
   * @return the bytes of the copy that hold data (the rest are holes)
   * @throws CancellationException when {@code cancelled} turns true; the partial copy stays for the
   *     caller to remove
   */
  public static long copy(Path from, Path to, Progress progress, BooleanSupplier cancelled)
      throws IOException {
    long written = 0;
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long total = in.size();
      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
      byte[] a = buf.array();
      long pos = 0;
      long lastReport = 0;
      while (pos < total) {
        buf.clear();
        int n = 0;
        while (n < CHUNK && pos + n < total) {
          int r = in.read(buf, pos + n);
          if (r < 0) {
            break;
          }
          n += r;
        }
        if (n == 0) {
          break; // the source shrank under us; the length check below tells
        }
        written += writeData(out, a, n, pos);
        pos += n;
        if (pos - lastReport >= 64L << 20 || pos == total) {
          progress.copied(pos, total);
          lastReport = pos;
          Cancellation.check(cancelled, "cancelled while copying " + from);
        }
      }
      if (pos != total) {
        throw new IOException(
            from + " shrank from " + total + " to " + pos + " bytes while being copied");
      }
      if (out.size() < total) { // the image ends in a hole: one zero byte gives the copy its length
        out.write(ByteBuffer.wrap(new byte[1]), total - 1);
      }
      out.force(false);
    }
    return written;
  }

  /**
   * Writes the non-zero 4 KiB blocks of {@code a[0..n)} at {@code pos}, runs of them in one write.
   */
  private static long writeData(FileChannel out, byte[] a, int n, long pos) throws IOException {
    long written = 0;
    int runStart = -1;
    for (int off = 0; off < n; off += BLOCK) {
      int len = Math.min(BLOCK, n - off);
      boolean zero = Arrays.equals(a, off, off + len, ZEROS, 0, len);
      if (!zero && runStart < 0) {
        runStart = off;
      } else if (zero && runStart >= 0) {
        written += writeFully(out, a, runStart, off - runStart, pos + runStart);
        runStart = -1;
      }
    }
    if (runStart >= 0) {
      written += writeFully(out, a, runStart, n - runStart, pos + runStart);
    }
    return written;
  }

  private static int writeFully(FileChannel out, byte[] a, int off, int len, long at)
      throws IOException {
    ByteBuffer b = ByteBuffer.wrap(a, off, len);
    while (b.hasRemaining()) {
      out.write(b, at + (b.position() - off));
    }
    return len;
  }
}
