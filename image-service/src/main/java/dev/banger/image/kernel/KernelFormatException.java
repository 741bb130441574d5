package dev.banger.image.kernel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A file is not a kernel banger can use, with the file named and the reason spelled out, so the
 * message can go to the user as it is. Plain I/O failures (permission denied, disk full) stay
 * ordinary {@link IOException}s: this type means "the content is wrong".
 */
public final class KernelFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  /** What kind of wrong, for callers that map failures to API status codes. */
  public enum Problem {
    /** Larger than {@link KernelLimits#maxInputBytes()}. */
    TOO_LARGE,
    /** Not a regular file, or neither an ELF nor an x86 boot image. */
    NOT_A_KERNEL,
    /** A structure or region the headers point at ends past the end of the file. */
    TRUNCATED,
    /** Header fields that contradict each other or the file (bad magic inside, empty payload). */
    CORRUPT_HEADER,
    /** An ELF for another machine, or big-endian. */
    WRONG_ARCHITECTURE,
    /** A 32-bit ELF: Firecracker and our QEMU setup boot only 64-bit kernels. */
    NOT_64_BIT,
    /** An ELF that is not an executable (an object file, a core dump). */
    NOT_EXECUTABLE,
    /** A bzImage whose boot protocol predates the payload fields (2.08). */
    UNSUPPORTED_BOOT_PROTOCOL,
    /** {@link VmlinuxExtractor} was handed an ELF: it already is a vmlinux. */
    ALREADY_VMLINUX,
    /** The payload starts with no magic number of a compression Linux uses. */
    UNKNOWN_COMPRESSION,
    /** A compression Linux uses but this pure-Java build cannot decode (lz4, lzo). */
    UNSUPPORTED_COMPRESSION,
    /** The decoder rejected the payload (bad stream, checksum, dictionary over the limit). */
    CORRUPT_PAYLOAD,
    /** The payload decompresses to more than {@link KernelLimits#maxDecompressedBytes()}. */
    DECOMPRESSED_TOO_LARGE,
    /** The payload decompressed, but not to an x86-64 ELF vmlinux. */
    PAYLOAD_NOT_VMLINUX,
  }

  private final transient Path file;
  private final Problem problem;
  private final String detail;

  public KernelFormatException(Path file, Problem problem, String detail) {
    this(file, problem, detail, null);
  }

  public KernelFormatException(Path file, Problem problem, String detail, Throwable cause) {
    super(file + ": " + detail, cause);
    this.file = file;
    this.problem = problem;
    this.detail = detail;
  }

  /** The file the user gave us (for extraction failures: the bzImage, not a temp file). */
  public Path file() {
    return file;
  }

  public Problem problem() {
    return problem;
  }

  /** The message without the file name, for wrapping into another message. */
  public String detail() {
    return detail;
  }
}
