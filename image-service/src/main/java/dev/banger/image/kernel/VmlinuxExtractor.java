package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelFormatException.Problem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import org.tukaani.xz.MemoryLimitException;

/**
 * Takes the uncompressed ELF {@code vmlinux} out of an x86 bzImage. Firecracker can boot only the
 * ELF, and QEMU boots it faster than the bzImage (PVH entry, no in-guest decompression).
 *
 * <p>The payload is decoded to a temp file beside {@code outFile}, checked to be an x86-64 ELF64
 * executable, then renamed over {@code outFile} in one step: readers see the old file or the
 * complete new one, and every failure removes the temp file, leaving nothing behind.
 */
public final class VmlinuxExtractor {

  private static final int BUFFER = 256 * 1024;

  private VmlinuxExtractor() {}

  /** Extracts under {@link KernelLimits#DEFAULT}. */
  public static ElfInfo extract(Path bzImage, Path outFile) throws IOException {
    return extract(bzImage, outFile, KernelLimits.DEFAULT);
  }

  /**
   * @return the checked ELF facts of the file now at {@code outFile}
   * @throws KernelFormatException the bzImage or its payload is unusable; {@code outFile} untouched
   * @throws IOException reading the bzImage or writing beside {@code outFile} failed
   */
  public static ElfInfo extract(Path bzImage, Path outFile, KernelLimits limits)
      throws IOException {
    Path target = outFile.toAbsolutePath();
    if (target.getParent() == null) {
      throw new IllegalArgumentException("outFile must name a file, not the root: " + outFile);
    }
    try (BoundedReader r = BoundedReader.open(bzImage, bzImage, limits.maxInputBytes())) {
      if (r.size() == 0) {
        throw r.fail(Problem.NOT_A_KERNEL, "is empty");
      }
      if (ElfInfo.hasElfMagic(r.bytes(0, (int) Math.min(4, r.size()), "file header"))) {
        throw r.fail(
            Problem.ALREADY_VMLINUX,
            "is already an uncompressed ELF; use it as the vmlinux directly");
      }
      BzImageHeader header = BzImageHeader.parse(r);
      Compression compression = detect(r, header);
      Path temp =
          Files.createTempFile(target.getParent(), "." + target.getFileName() + ".", ".partial");
      boolean published = false;
      try {
        long written = decompress(r, header, compression, temp, limits.maxDecompressedBytes());
        ElfInfo info = verify(bzImage, compression, temp, written, limits);
        makeWorldReadable(temp);
        // No directory fsync: losing the rename in a crash only means extracting again.
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        published = true;
        return info;
      } finally {
        if (!published) {
          Files.deleteIfExists(temp);
        }
      }
    }
  }

  private static Compression detect(BoundedReader r, BzImageHeader header) throws IOException {
    int n = (int) Math.min(Compression.MAX_MAGIC, header.payloadLength());
    byte[] head = r.bytes(header.payloadOffset(), n, "payload magic");
    Compression c =
        Compression.detect(head)
            .orElseThrow(
                () ->
                    r.fail(
                        Problem.UNKNOWN_COMPRESSION,
                        "payload at "
                            + BoundedReader.hex(header.payloadOffset())
                            + " starts with "
                            + BoundedReader.hexBytes(head)
                            + ", which is none of gzip, xz, zstd, bzip2, lzma, lz4 or lzo"));
    if (!c.supported()) {
      throw r.fail(
          Problem.UNSUPPORTED_COMPRESSION,
          "payload is "
              + c.displayName()
              + "-compressed, which banger cannot decode (supported: gzip, xz, zstd, bzip2, lzma);"
              + " extract the vmlinux with the kernel's scripts/extract-vmlinux and import that");
    }
    return c;
  }

  /** Streams the decoded payload into {@code temp}; returns the byte count. */
  private static long decompress(
      BoundedReader r, BzImageHeader header, Compression c, Path temp, long limit)
      throws IOException {
    byte[] buf = new byte[BUFFER];
    long total = 0;
    try (InputStream in = openDecoder(r, header, c);
        FileChannel out =
            FileChannel.open(
                temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      int n;
      while ((n = decode(r, c, in, buf)) >= 0) {
        if (n > limit - total) {
          throw r.fail(
              Problem.DECOMPRESSED_TOO_LARGE,
              "the "
                  + c.displayName()
                  + " payload decompresses to more than "
                  + limit
                  + " bytes, the limit for a kernel (a decompression bomb?)");
        }
        ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
        while (chunk.hasRemaining()) {
          out.write(chunk);
        }
        total += n;
      }
      out.force(true);
    }
    return total;
  }

  private static InputStream openDecoder(BoundedReader r, BzImageHeader header, Compression c)
      throws IOException {
    try {
      return PayloadDecoder.open(c, r, header);
    } catch (KernelFormatException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw undecodable(r, c, e);
    }
  }

  /**
   * One read from the decoder. Any failure here is the payload's fault: the only other I/O is the
   * bounded read of a file we already sized. Decoders for hostile input may also throw unchecked
   * exceptions (zstd-jni's ZstdException, array bounds in a Java decoder), which must not escape as
   * bugs.
   */
  private static int decode(BoundedReader r, Compression c, InputStream in, byte[] buf)
      throws IOException {
    try {
      return in.read(buf);
    } catch (IOException | RuntimeException e) {
      throw undecodable(r, c, e);
    }
  }

  private static KernelFormatException undecodable(BoundedReader r, Compression c, Exception e) {
    String why =
        e instanceof MemoryLimitException m
            ? "its header asks for "
                + (m.getMemoryNeeded() / 1024)
                + " MiB of decoder memory, over the "
                + (PayloadDecoder.MAX_DECODER_MEMORY_KIB / 1024)
                + " MiB limit"
            : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return new KernelFormatException(
        r.label(),
        Problem.CORRUPT_PAYLOAD,
        "the " + c.displayName() + " payload does not decode (" + why + ")",
        e);
  }

  private static ElfInfo verify(
      Path bzImage, Compression c, Path temp, long written, KernelLimits limits)
      throws IOException {
    try (BoundedReader out = BoundedReader.open(temp, bzImage, limits.maxDecompressedBytes())) {
      return ElfInfo.parse(out);
    } catch (KernelFormatException e) {
      throw new KernelFormatException(
          bzImage,
          Problem.PAYLOAD_NOT_VMLINUX,
          "the "
              + c.displayName()
              + " payload decompressed to "
              + written
              + " bytes that are not an x86-64 vmlinux ("
              + e.detail()
              + ")",
          e);
    }
  }

  /** Temp files are created 0600; a kernel is not secret and the VMM may run as another user. */
  private static void makeWorldReadable(Path file) throws IOException {
    if (Files.getFileAttributeView(file, PosixFileAttributeView.class) != null) {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }
}
