package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelFormatException.Problem;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;

/**
 * Positional, bounds-checked reads from a kernel file. Every read states what it is reading, so an
 * offset from a hostile header that points past the end becomes a {@code TRUNCATED} error naming
 * the field instead of an exception from deep inside NIO. The size is taken once when the file is
 * opened and all checks are against it.
 *
 * <p>Reads are little-endian: both the x86 boot protocol and ELF for x86-64 are.
 */
final class BoundedReader implements AutoCloseable {

  /** Largest single structure read into memory; headers and strings are far smaller. */
  static final int MAX_READ = 64 * 1024;

  private final Path label;
  private final FileChannel channel;
  private final long size;

  private BoundedReader(Path label, FileChannel channel, long size) {
    this.label = label;
    this.channel = channel;
    this.size = size;
  }

  /**
   * Opens {@code file}, refusing anything that is not a regular file or is over {@code maxBytes}.
   * Errors name {@code label}, which is {@code file} except when the extractor checks its own temp
   * output on behalf of the user's bzImage.
   */
  static BoundedReader open(Path file, Path label, long maxBytes) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    if (!Files.isRegularFile(file)) {
      // Devices such as /dev/zero would read forever; directories are a caller's mistake.
      throw new KernelFormatException(label, Problem.NOT_A_KERNEL, "is not a regular file");
    }
    FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
    try {
      long size = channel.size();
      if (size > maxBytes) {
        throw new KernelFormatException(
            label,
            Problem.TOO_LARGE,
            "is " + size + " bytes, over the " + maxBytes + "-byte limit for kernel files");
      }
      return new BoundedReader(label, channel, size);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  Path label() {
    return label;
  }

  long size() {
    return size;
  }

  KernelFormatException fail(Problem problem, String detail) {
    return new KernelFormatException(label, problem, detail);
  }

  /**
   * True when {@code [offset, offset + length)} lies inside the file; no overflow for u64 input.
   */
  boolean contains(long offset, long length) {
    return offset >= 0 && length >= 0 && offset <= size && length <= size - offset;
  }

  /** Fails with TRUNCATED unless {@code [offset, offset + length)} lies inside the file. */
  void require(long offset, long length, String what) throws KernelFormatException {
    if (!contains(offset, length)) {
      throw fail(
          Problem.TRUNCATED,
          what
              + " at offset "
              + hex(offset)
              + " ("
              + Long.toUnsignedString(length)
              + " bytes) extends past the end of the file ("
              + size
              + " bytes)");
    }
  }

  /** Reads exactly {@code length} bytes; {@code length} is at most {@link #MAX_READ}. */
  byte[] bytes(long offset, int length, String what) throws IOException {
    if (length > MAX_READ) {
      throw new IllegalArgumentException("read of " + length + " bytes is over MAX_READ: " + what);
    }
    require(offset, length, what);
    ByteBuffer buf = ByteBuffer.allocate(length);
    readFully(buf, offset, what);
    return buf.array();
  }

  /** Reads {@code length} bytes into a little-endian buffer positioned at zero. */
  ByteBuffer buffer(long offset, int length, String what) throws IOException {
    return ByteBuffer.wrap(bytes(offset, length, what)).order(ByteOrder.LITTLE_ENDIAN);
  }

  int u8(long offset, String what) throws IOException {
    return bytes(offset, 1, what)[0] & 0xff;
  }

  int u16(long offset, String what) throws IOException {
    return buffer(offset, 2, what).getShort() & 0xffff;
  }

  long u32(long offset, String what) throws IOException {
    return buffer(offset, 4, what).getInt() & 0xffff_ffffL;
  }

  /** Raw 64-bit value; callers compare it with {@link #contains} before using it as an offset. */
  long u64(long offset, String what) throws IOException {
    return buffer(offset, 8, what).getLong();
  }

  /**
   * A stream over {@code [offset, offset + length)} that never reads outside it: decoders see
   * end-of-stream at the region's end, never the bytes after it.
   */
  InputStream stream(long offset, long length, String what) throws KernelFormatException {
    require(offset, length, what);
    return new RegionStream(offset, offset + length);
  }

  private void readFully(ByteBuffer buf, long offset, String what) throws IOException {
    long pos = offset;
    while (buf.hasRemaining()) {
      int n = channel.read(buf, pos);
      if (n < 0) {
        // The file shrank after we took its size: report it like any other truncation.
        throw fail(
            Problem.TRUNCATED,
            what + ": file ended early at " + pos + " bytes (did it change while read?)");
      }
      pos += n;
    }
  }

  static String hex(long value) {
    return "0x" + Long.toHexString(value);
  }

  static String hexBytes(byte[] bytes) {
    return HexFormat.ofDelimiter(" ").formatHex(bytes);
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** Positional reads so the channel's own position is never shared state. */
  private final class RegionStream extends InputStream {
    private long pos;
    private final long end;

    RegionStream(long start, long end) {
      this.pos = start;
      this.end = end;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      if (pos >= end) {
        return -1;
      }
      int want = (int) Math.min(len, end - pos);
      int n = channel.read(ByteBuffer.wrap(b, off, want), pos);
      if (n < 0) {
        throw new EOFException(label + ": file ended at " + pos + " bytes, inside the payload");
      }
      pos += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long step = Math.max(0, Math.min(n, end - pos));
      pos += step;
      return step;
    }

    @Override
    public int available() {
      return (int) Math.min(Integer.MAX_VALUE, end - pos);
    }
  }
}
