package dev.banger.image.kernel;

/**
 * Size limits applied to kernel files, which we treat as hostile input: a user hands us any file
 * and calls it a kernel.
 *
 * @param maxInputBytes files larger than this are refused before any parsing (a real bzImage is
 *     5–15 MiB, a vmlinux 30–80 MiB; debug builds with symbols can approach a few hundred)
 * @param maxDecompressedBytes decompression stops with an error once the output would exceed this
 *     many bytes, so a small crafted payload cannot fill the disk (decompression bomb)
 */
public record KernelLimits(long maxInputBytes, long maxDecompressedBytes) {

  /** 256 MiB in, 512 MiB out. */
  public static final KernelLimits DEFAULT = new KernelLimits(256L << 20, 512L << 20);

  public KernelLimits {
    if (maxInputBytes <= 0 || maxDecompressedBytes <= 0) {
      throw new IllegalArgumentException(
          "kernel limits must be positive: in=" + maxInputBytes + " out=" + maxDecompressedBytes);
    }
  }
}
