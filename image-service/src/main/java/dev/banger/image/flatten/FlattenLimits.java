package dev.banger.image.flatten;

/**
 * The tar-bomb guard: bounds on what a pull may write into the staging tree.
 *
 * @param maxEntryBytes largest single file (a sparse file counts at its real size)
 * @param maxTotalBytes all file bytes of all layers together
 * @param maxEntries tar entries of all layers together
 * @param reserve what stays free on the filesystem the tree is staged on
 */
public record FlattenLimits(
    long maxEntryBytes, long maxTotalBytes, long maxEntries, DiskReserve reserve) {

  public static FlattenLimits defaults() {
    return new FlattenLimits(8L << 30, 64L << 30, 2_000_000);
  }

  /** With the default reserve. */
  public FlattenLimits(long maxEntryBytes, long maxTotalBytes, long maxEntries) {
    this(maxEntryBytes, maxTotalBytes, maxEntries, DiskReserve.DEFAULT);
  }

  public FlattenLimits {
    if (maxEntryBytes <= 0 || maxTotalBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("flatten limits must be positive");
    }
    java.util.Objects.requireNonNull(reserve, "reserve");
  }
}
