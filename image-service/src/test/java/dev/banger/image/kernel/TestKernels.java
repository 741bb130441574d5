package dev.banger.image.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.XZ;
import org.tukaani.xz.XZOutputStream;

/**
 * Crafts kernel files in memory: minimal ELF64 vmlinux images and bzImages around a payload, with
 * knobs to break each field the parsers check. Layouts follow the real ones (boot.rst, the ELF
 * spec) closely enough that the Debian kernel and these take the same code paths.
 */
public final class TestKernels {

  static final long ENTRY = 0x1000000L;
  static final long PVH_ENTRY = 0x1000850L;
  static final long KERNEL_MAP = 0xffffffff80000000L;

  private TestKernels() {}

  /**
   * A small, valid bzImage (gzip payload around a minimal vmlinux) whose header states {@code
   * release}.
   */
  public static byte[] bzImage(String release) {
    BzImage b = new BzImage();
    b.version = release + " (builder@example) #1 SMP PREEMPT_DYNAMIC";
    return b.payload(gzip(new Elf().build())).build();
  }

  /** A minimal valid vmlinux with no {@code linux_banner}, so no release. */
  public static byte[] vmlinux() {
    return new Elf().build();
  }

  /**
   * A minimal vmlinux whose code holds {@code "Linux version <release> (…"}, as the real
   * linux_banner.
   */
  public static byte[] vmlinux(String release) {
    Elf e = new Elf();
    byte[] banner =
        ("Linux version " + release + " (builder@example) #1 SMP\n\0")
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] b = e.build();
    System.arraycopy(banner, 0, b, b.length - e.codeBytes + 100, banner.length);
    return b;
  }

  /** A minimal ELF: header, PT_LOAD + PT_NOTE program headers, a Xen PVH note, some "code". */
  static final class Elf {
    int elfClass = 2;
    int machine = 0x3e;
    int type = 2;
    boolean pvhNote = true;
    long pvhDescSize = 8;
    long phoff = 64;
    int phnum = 2;
    int phentsize = 56;
    int codeBytes = 4096;

    byte[] build() {
      int noteAt = 64 + 2 * 56;
      int noteSize = 12 + 4 + 8;
      int codeAt = noteAt + noteSize;
      ByteBuffer b = le(codeAt + codeBytes);
      b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, 1, 1, 0});
      b.putShort(16, (short) type).putShort(18, (short) machine).putInt(20, 1);
      b.putLong(24, ENTRY).putLong(32, phoff).putShort(52, (short) 64);
      b.putShort(54, (short) phentsize).putShort(56, (short) phnum);
      // PT_LOAD: the code, linked at __START_KERNEL_map + its physical address, like vmlinux.
      b.putInt(64, 1)
          .putInt(68, 5)
          .putLong(72, codeAt)
          .putLong(80, KERNEL_MAP + ENTRY)
          .putLong(88, ENTRY)
          .putLong(96, codeBytes)
          .putLong(104, codeBytes)
          .putLong(112, 0x200000);
      // PT_NOTE covering one note.
      b.putInt(120, 4)
          .putInt(124, 4)
          .putLong(128, noteAt)
          .putLong(136, KERNEL_MAP + noteAt)
          .putLong(144, noteAt)
          .putLong(152, noteSize)
          .putLong(160, noteSize)
          .putLong(168, 4);
      b.putInt(noteAt, 4)
          .putInt(noteAt + 4, (int) pvhDescSize)
          .putInt(noteAt + 8, pvhNote ? 18 : 6);
      b.put(noteAt + 12, "Xen\0".getBytes(StandardCharsets.ISO_8859_1));
      b.putLong(noteAt + 16, PVH_ENTRY);
      for (int i = 0; i < codeBytes; i++) {
        b.put(codeAt + i, (byte) (i * 31 + 7));
      }
      return b.array();
    }

    /** The 52-byte ELF32 header of an i386 kernel, plus padding. */
    static byte[] elf32() {
      ByteBuffer b = le(4096);
      b.put(new byte[] {0x7f, 'E', 'L', 'F', 1, 1, 1, 0});
      b.putShort(16, (short) 2).putShort(18, (short) 3).putInt(20, 1);
      return b.array();
    }
  }

  /**
   * An x86 bzImage: setup sectors holding the boot header, then the protected-mode part with the
   * payload.
   */
  static final class BzImage {
    int setupSects = 4;
    int protocol = 0x020f;
    byte[] magic = "HdrS".getBytes(StandardCharsets.ISO_8859_1);
    String version = "6.1.0-test-amd64 (builder@example) #1 SMP PREEMPT_DYNAMIC Debian 6.1.0-1";

    /** Where the version string sits in the file; written to kernel_version as this minus 0x200. */
    int versionAt = 0x400;

    Integer versionPointer;
    int codeBeforePayload = 0x2cc;
    byte[] payload = new byte[0];
    Long payloadOffset;
    Long payloadLength;
    int trailingBytes = 512; // like the padding and signature after a real payload

    BzImage payload(byte[] p) {
      this.payload = p;
      return this;
    }

    byte[] build() {
      int setupSize = ((setupSects == 0 ? 4 : setupSects) + 1) * 512;
      int start = setupSize + codeBeforePayload;
      ByteBuffer b = le(start + payload.length + trailingBytes);
      b.put(0x1f1, (byte) setupSects).putShort(0x1fe, (short) 0xaa55);
      b.put(0x200, (byte) 0xeb).put(0x202, magic).putShort(0x206, (short) protocol);
      b.putShort(0x20e, (short) (versionPointer != null ? versionPointer : versionAt - 0x200));
      b.put(0x211, (byte) 1).putInt(0x214, 0x100000);
      b.putInt(0x248, (int) (payloadOffset != null ? payloadOffset : codeBeforePayload));
      b.putInt(0x24c, (int) (payloadLength != null ? payloadLength : payload.length));
      b.putLong(0x258, ENTRY);
      b.put(versionAt, (version + "\0").getBytes(StandardCharsets.ISO_8859_1));
      b.put(start, payload);
      for (int i = 0; i < trailingBytes; i++) {
        b.put(start + payload.length + i, (byte) 0xa5);
      }
      return b.array();
    }
  }

  /**
   * Compresses like the kernel's Makefile.lib: the stream, then the decompressed size as 4 bytes
   * LE.
   */
  static byte[] kernelPayload(Compression c, byte[] data) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      switch (c) {
        case GZIP -> write(new GZIPOutputStream(bytes), data);
        case XZ -> {
          LZMA2Options options = new LZMA2Options();
          options.setDictSize(1 << 20);
          write(new XZOutputStream(bytes, options, XZ.CHECK_CRC32), data);
        }
        case LZMA -> write(new LZMAOutputStream(bytes, new LZMA2Options(), -1), data);
        case BZIP2 -> write(new BZip2CompressorOutputStream(bytes), data);
        case ZSTD -> bytes.write(com.github.luben.zstd.Zstd.compress(data, 19));
        case LZ4_LEGACY -> bytes.write(new byte[] {0x02, 0x21, 0x4c, 0x18, 1, 2, 3, 4});
        case LZO -> bytes.write(new byte[] {(byte) 0x89, 'L', 'Z', 'O', 0, 0x0d, 0x0a, 0x1a});
      }
      if (c != Compression.GZIP) {
        bytes.write(le(4).putInt(0, data.length).array());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static byte[] gzip(byte[] data) {
    return kernelPayload(Compression.GZIP, data);
  }

  private static void write(OutputStream out, byte[] data) throws IOException {
    try (out) {
      out.write(data);
    }
  }

  static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }
}
