package dev.banger.image.kernel;

import java.util.Optional;

/**
 * The compressions Linux can build a bzImage payload with (CONFIG_KERNEL_*), recognised by the
 * magic bytes that start the compressed stream. Detection never trusts a file name or header field:
 * the payload's own first bytes decide.
 */
public enum Compression {
  GZIP("gzip", true, 0x1f, 0x8b, 0x08),
  XZ("xz", true, 0xfd, '7', 'z', 'X', 'Z', 0x00),
  ZSTD("zstd", true, 0x28, 0xb5, 0x2f, 0xfd),
  BZIP2("bzip2", true, 'B', 'Z', 'h'),
  /**
   * Legacy .lzma ("LZMA_Alone"): properties byte 0x5d, then a dictionary size whose low bytes are
   * 0.
   */
  LZMA("lzma", true, 0x5d, 0x00, 0x00),
  /**
   * lz4's legacy frame, which is what the kernel's {@code lz4 -l} writes. No decoder on our
   * classpath.
   */
  LZ4_LEGACY("lz4 (legacy frame)", false, 0x02, 0x21, 0x4c, 0x18),
  /** lzop's container. No decoder on our classpath. */
  LZO("lzo", false, 0x89, 'L', 'Z', 'O');

  /** The longest magic; the detector needs this many bytes at most. */
  static final int MAX_MAGIC = 6;

  private final String displayName;
  private final boolean supported;
  private final byte[] magic;

  Compression(String displayName, boolean supported, int... magic) {
    this.displayName = displayName;
    this.supported = supported;
    this.magic = new byte[magic.length];
    for (int i = 0; i < magic.length; i++) {
      this.magic[i] = (byte) magic[i];
    }
  }

  public String displayName() {
    return displayName;
  }

  /** False for formats we recognise but cannot decode in pure Java with our libraries. */
  public boolean supported() {
    return supported;
  }

  /** The compression whose magic starts {@code head}, if any. */
  public static Optional<Compression> detect(byte[] head) {
    for (Compression c : values()) {
      if (head.length >= c.magic.length
          && java.util.Arrays.equals(head, 0, c.magic.length, c.magic, 0, c.magic.length)) {
        return Optional.of(c);
      }
    }
    return Optional.empty();
  }
}
