package dev.banger.image.flatten;

/**
 * What a pull leaves free on a filesystem it writes to (the staging tree's, the blob cache's): by
 * default 5 % of the filesystem, at most 2 GiB, so a big disk does not hold back tens of GiB and a
 * small one still keeps room to work; or a fixed number of bytes ({@code image.reserve_bytes}).
 *
 * @param fixedBytes the reserve in bytes, or null for the default rule
 */
public record DiskReserve(Long fixedBytes) {

  /** 5 % of the filesystem, at most 2 GiB. */
  public static final DiskReserve DEFAULT = new DiskReserve(null);

  public DiskReserve {
    if (fixedBytes != null && fixedBytes < 0) {
      throw new IllegalArgumentException(
          "image.reserve_bytes must be 0 or more (got " + fixedBytes + ")");
    }
  }

  /** The bytes kept free on a filesystem of {@code totalSpace} bytes. */
  public long of(long totalSpace) {
    return fixedBytes != null ? fixedBytes : Math.min(2L << 30, totalSpace / 20);
  }
}
