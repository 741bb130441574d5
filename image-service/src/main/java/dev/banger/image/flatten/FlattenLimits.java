package dev.banger.image.flatten;

/**
 * The tar-bomb guard: bounds on what a pull may write into the staging tree.
 *
 * @param maxEntryBytes largest single file (a sparse file counts at its real size)
 * @param maxTotalBytes all file bytes of all layers together
 * @param maxEntries tar entries of all layers together
 */
public record FlattenLimits(long maxEntryBytes, long maxTotalBytes, long maxEntries) {

  public static FlattenLimits defaults() {
    return new FlattenLimits(8L << 30, 64L << 30, 2_000_000);
  }

  public FlattenLimits {
    if (maxEntryBytes <= 0 || maxTotalBytes <= 0 || maxEntries <= 0) {
      throw new IllegalArgumentException("flatten limits must be positive");
    }
  }
}
