package dev.banger.image.kit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Rewrites the program interpreter ({@code PT_INTERP}) of a 64-bit little-endian ELF in place, so a
 * kit binary loads the kit's own {@code ld.so} rather than the image's. The path must fit the
 * segment the linker left (Debian's {@code /lib64/ld-linux-x86-64.so.2}: 28 bytes); the rest is
 * zero-filled. Running the binary through {@code ld.so} instead would break dropbear, which
 * re-executes {@code /proc/self/exe} for every connection.
 */
final class ElfInterpreter {

  private static final int PT_INTERP = 3;

  private ElfInterpreter() {}

  /**
   * @return the interpreter the file named before
   * @throws IOException not a 64-bit little-endian ELF, no interpreter (a static binary), or a path
   *     that does not fit
   */
  static String replace(Path file, String interpreter) throws IOException {
    byte[] wanted = interpreter.getBytes(StandardCharsets.US_ASCII);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      Segment seg = segment(ch, file);
      if (seg == null) {
        throw new IOException(file + " names no program interpreter (a static binary?)");
      }
      String before = cString(read(ch, seg.offset(), seg.size(), file));
      if (wanted.length + 1 > seg.size()) {
        throw new IOException(
            file
                + ": the interpreter "
                + interpreter
                + " does not fit the "
                + seg.size()
                + " bytes "
                + before
                + " had");
      }
      ByteBuffer out = ByteBuffer.allocate(seg.size());
      out.put(wanted);
      out.rewind();
      ch.write(out, seg.offset());
      return before;
    }
  }

  /** The interpreter a file names, or empty for a static binary. */
  static String of(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      Segment seg = segment(ch, file);
      return seg == null ? "" : cString(read(ch, seg.offset(), seg.size(), file));
    }
  }

  private record Segment(long offset, int size) {}

  /** The PT_INTERP segment, or null when there is none. */
  private static Segment segment(FileChannel ch, Path file) throws IOException {
    ByteBuffer header = read(ch, 0, 64, file);
    if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
      throw new IOException(file + " is not a 64-bit little-endian ELF file");
    }
    long phoff = header.getLong(0x20);
    int phentsize = Short.toUnsignedInt(header.getShort(0x36));
    int phnum = Short.toUnsignedInt(header.getShort(0x38));
    if (phentsize < 56 || phnum > 256) {
      throw new IOException(file + " has no usable program headers");
    }
    for (int i = 0; i < phnum; i++) {
      ByteBuffer ph = read(ch, phoff + (long) i * phentsize, 56, file);
      if (ph.getInt(0) != PT_INTERP) {
        continue;
      }
      long offset = ph.getLong(8);
      long size = ph.getLong(32);
      if (size < 1 || size > 4096 || offset < 0 || offset + size > ch.size()) {
        throw new IOException(file + ": its interpreter segment lies outside the file");
      }
      return new Segment(offset, (int) size);
    }
    return null;
  }

  private static String cString(ByteBuffer b) {
    int n = 0;
    while (n < b.limit() && b.get(n) != 0) {
      n++;
    }
    byte[] s = new byte[n];
    b.get(0, s);
    return new String(s, StandardCharsets.US_ASCII);
  }

  private static ByteBuffer read(FileChannel ch, long pos, int len, Path file) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      if (ch.read(b, pos + b.position()) < 0) {
        throw new IOException(file + " ends before its ELF headers do");
      }
    }
    b.flip();
    return b;
  }
}
