package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelFormatException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The parts of an x86 bzImage's setup header (Documentation/arch/x86/boot.rst) that locate the
 * compressed kernel and identify it. Layout of the file: the real-mode setup code in {@code
 * setup_sects + 1} 512-byte sectors (the header lives in it from 0x1f1), then the protected-mode
 * code, which holds the compressed {@code vmlinux} ("payload") somewhere inside.
 *
 * @param protocolVersion boot protocol as {@code major << 8 | minor}, e.g. 0x020f for 2.15
 * @param setupSectors {@code setup_sects} with the historical 0 → 4 applied
 * @param code32Start where a boot loader would put the protected-mode code (informational)
 * @param payloadOffset absolute file offset of the compressed payload (already checked to fit)
 * @param payloadLength its length in bytes (non-zero, already checked to fit)
 * @param preferredAddress {@code pref_address}, the physical load address the kernel was linked for
 *     (protocol 2.10+); for x86-64 it equals {@code e_entry} of the vmlinux inside
 * @param kernelVersion the kernel's {@code kernel_version} string, when present and printable
 */
public record BzImageHeader(
    int protocolVersion,
    int setupSectors,
    long code32Start,
    long payloadOffset,
    long payloadLength,
    OptionalLong preferredAddress,
    Optional<String> kernelVersion) {

  /** 2.08 added payload_offset/payload_length; without them the payload cannot be found safely. */
  static final int MIN_PROTOCOL = 0x0208;

  private static final long SETUP_SECTS = 0x1f1;
  private static final long BOOT_FLAG = 0x1fe;
  private static final long HEADER_MAGIC = 0x202;
  private static final byte[] HDRS = {'H', 'd', 'r', 'S'};

  /** Everything up to and including pref_address (0x258, 8 bytes). */
  private static final int HEADER_END = 0x260;

  private static final int MAX_VERSION_LENGTH = 512;

  /** Kernel release, the first word of the version string: {@code 6.1.0-56-amd64}. */
  public Optional<String> kernelRelease() {
    return kernelVersion.map(v -> v.strip().split("\\s+", 2)[0]).filter(s -> !s.isEmpty());
  }

  /** "2.15" */
  public String protocolVersionString() {
    return (protocolVersion >> 8) + "." + String.format("%02d", protocolVersion & 0xff);
  }

  /** True when the file starts like a bzImage (enough to choose this parser, not to trust it). */
  static boolean looksLikeBzImage(BoundedReader r) throws IOException {
    return r.contains(HEADER_MAGIC, 4)
        && java.util.Arrays.equals(r.bytes(HEADER_MAGIC, 4, "setup header magic"), HDRS);
  }

  public static BzImageHeader read(Path bzImage) throws IOException {
    return read(bzImage, KernelLimits.DEFAULT);
  }

  public static BzImageHeader read(Path bzImage, KernelLimits limits) throws IOException {
    try (BoundedReader r = BoundedReader.open(bzImage, bzImage, limits.maxInputBytes())) {
      return parse(r);
    }
  }

  static BzImageHeader parse(BoundedReader r) throws IOException {
    if (!looksLikeBzImage(r)) {
      throw r.fail(Problem.NOT_A_KERNEL, "has no x86 boot setup header (\"HdrS\" at 0x202)");
    }
    r.require(0, 0x208, "setup header");
    ByteBuffer h = r.buffer(0, (int) Math.min(HEADER_END, r.size()), "setup header");
    int version = h.getShort(0x206) & 0xffff;
    if (version < MIN_PROTOCOL) {
      throw r.fail(
          Problem.UNSUPPORTED_BOOT_PROTOCOL,
          "uses x86 boot protocol "
              + (version >> 8)
              + "."
              + String.format("%02d", version & 0xff)
              + "; 2.08 or newer (Linux 2.6.26+) is needed to locate the payload");
    }
    r.require(0, 0x250, "boot protocol 2.08 setup header");
    if ((h.getShort((int) BOOT_FLAG) & 0xffff) != 0xaa55) {
      throw r.fail(Problem.CORRUPT_HEADER, "has \"HdrS\" but no 0xAA55 boot flag at 0x1fe");
    }
    int setupSects = h.get((int) SETUP_SECTS) & 0xff;
    if (setupSects == 0) {
      setupSects = 4; // boot.rst: "If this field is 0, the real value is 4."
    }
    long protectedModeStart = (setupSects + 1L) * 512;
    r.require(0, protectedModeStart, "setup code (" + setupSects + " sectors)");
    long code32Start = h.getInt(0x214) & 0xffff_ffffL;
    long payloadOffset = h.getInt(0x248) & 0xffff_ffffL;
    long payloadLength = h.getInt(0x24c) & 0xffff_ffffL;
    if (payloadLength == 0) {
      throw r.fail(Problem.CORRUPT_HEADER, "has a zero-length payload (payload_length at 0x24c)");
    }
    long start = protectedModeStart + payloadOffset; // both < 2^33: no overflow
    r.require(
        start,
        payloadLength,
        "payload (payload_offset "
            + BoundedReader.hex(payloadOffset)
            + " after the setup code at "
            + BoundedReader.hex(protectedModeStart)
            + ")");
    OptionalLong prefAddress =
        version >= 0x020a && h.limit() >= HEADER_END
            ? OptionalLong.of(h.getLong(0x258))
            : OptionalLong.empty();
    Optional<String> kernelVersion =
        kernelVersion(r, h.getShort(0x20e) & 0xffff, protectedModeStart);
    return new BzImageHeader(
        version, setupSects, code32Start, start, payloadLength, prefAddress, kernelVersion);
  }

  /**
   * The version string sits in the setup code at {@code kernel_version + 0x200}. It is
   * informational, so a pointer outside the setup code or a string that is not printable ASCII
   * gives "unknown" rather than an error; and never is a user's control character echoed back.
   */
  private static Optional<String> kernelVersion(BoundedReader r, int pointer, long setupEnd)
      throws IOException {
    if (pointer == 0) {
      return Optional.empty();
    }
    long at = pointer + 0x200L;
    long room = Math.min(MAX_VERSION_LENGTH, setupEnd - at);
    if (room <= 0 || !r.contains(at, room)) {
      return Optional.empty();
    }
    byte[] raw = r.bytes(at, (int) room, "kernel_version string");
    int len = 0;
    while (len < raw.length && raw[len] != 0) {
      if (raw[len] < 0x20 || raw[len] > 0x7e) {
        return Optional.empty();
      }
      len++;
    }
    if (len == raw.length || len == 0) {
      return Optional.empty(); // no terminating NUL within bounds
    }
    return Optional.of(new String(raw, 0, len, StandardCharsets.US_ASCII));
  }
}
