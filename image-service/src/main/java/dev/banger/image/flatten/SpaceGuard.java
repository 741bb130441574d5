package dev.banger.image.flatten;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongSupplier;

/**
 * Keeps a pull from filling the disk it stages on: while a layer is written, the filesystem's free
 * space is read every {@link #EVERY} bytes of content, or every half reserve when the reserve is
 * smaller (so the writes between two looks never eat the whole reserve), and every {@link
 * #EVERY_ENTRIES} entries; the pull stops once free space falls below the reserve. Free space, not
 * the files' sizes, is what is compared: all-zero blocks are holes and cost nothing, so a sparse
 * file is not refused for a size it does not take.
 */
public final class SpaceGuard {

  /** Thrown when the staging filesystem is down to its reserve. */
  public static final class NoSpaceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NoSpaceException(String message) {
      super(message);
    }
  }

  static final long EVERY = 64L << 20;
  static final long EVERY_ENTRIES = 1000;

  private final LongSupplier usable;
  private final long reserve;
  private final long every;
  private long bytesSinceCheck;
  private long entriesSinceCheck;

  /**
   * @param usable the filesystem's usable bytes now
   * @param reserve what stays free
   */
  public SpaceGuard(LongSupplier usable, long reserve) {
    this.usable = usable;
    this.reserve = reserve;
    this.every = Math.max(1L << 20, Math.min(EVERY, reserve / 2));
  }

  /** The filesystem {@code dir} is on, keeping {@code reserve} free. */
  public static SpaceGuard of(Path dir, DiskReserve reserve) {
    try {
      FileStore fs = Files.getFileStore(dir);
      long keep = reserve.of(fs.getTotalSpace());
      return new SpaceGuard(
          () -> {
            try {
              return fs.getUsableSpace();
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          },
          keep);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** No limit: for tests of other rules. */
  public static SpaceGuard none() {
    return new SpaceGuard(() -> Long.MAX_VALUE, 0);
  }

  void entry(String name) {
    if (++entriesSinceCheck >= EVERY_ENTRIES) {
      check(name);
    }
  }

  void wrote(long bytes, String name) {
    bytesSinceCheck += bytes;
    if (bytesSinceCheck >= every) {
      check(name);
    }
  }

  private void check(String name) {
    bytesSinceCheck = 0;
    entriesSinceCheck = 0;
    long free = usable.getAsLong();
    if (free < reserve) {
      throw new NoSpaceException(
          "the disk the image is staged on is down to "
              + free
              + " free bytes, below the reserve of "
              + reserve
              + " (at tar entry \""
              + LayerRejectedException.printable(name)
              + "\"); the pull stopped and is rolled back: free space or prune images");
    }
  }
}
