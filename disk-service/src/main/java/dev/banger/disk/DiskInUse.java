package dev.banger.disk;

import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Refuses to edit or remove a disk image a running VMM has open. QEMU locks the images it opens
 * (open file description locks on bytes 100-299, one byte per permission it takes or refuses to
 * share), and on Linux such locks conflict with the POSIX record lock taken here: when the test
 * lock over those bytes is refused, a QEMU holds the image. This works across users without reading
 * other processes' {@code /proc/<pid>/fd}, which disk-service's capability set does not allow. A
 * guest that has the disk mounted must never have it edited underneath it (the journal replay and
 * debugfs writes would corrupt both).
 */
final class DiskInUse {

  /** The byte range QEMU's image locking uses (its permission and shared-permission bytes). */
  static final long LOCK_START = 100;

  static final long LOCK_LENGTH = 200;

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DiskInUse.class);

  private DiskInUse() {}

  /**
   * How long a held disk is looked at again before the refusal. A VMM just killed still holds its
   * locks until the kernel has torn down its memory (gigabytes for a guest under TCG) and only then
   * closes its files, so an undo that kills a VMM and then removes its disks would otherwise race
   * the exit.
   */
  static final java.time.Duration GRACE = java.time.Duration.ofSeconds(5);

  /**
   * FAILED_PRECONDITION naming the disk when a VMM holds it (still, after {@link #GRACE}); nothing
   * when it is free or absent.
   */
  static void refuseIfOpen(Path image, String what) {
    long deadline = System.nanoTime() + GRACE.toNanos();
    boolean held = held(image);
    while (held && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      held = held(image);
    }
    if (held) {
      throw Errors.of(
          Status.FAILED_PRECONDITION.withDescription(
              what
                  + " "
                  + image
                  + " is open by a running VMM; stop its VM first (it is not edited"
                  + " or removed while a guest may have it mounted)"),
          "DISK_IN_USE",
          Map.of("path", image.toString()));
    }
  }

  /**
   * True when another process holds a lock on QEMU's lock bytes of {@code image}. A file that
   * cannot be opened for writing is reported free: the edit that follows opens it the same way and
   * fails with its own, clearer error. A symbolic link is not followed (O_NOFOLLOW) and anything
   * but a regular file is not opened: disk-service runs as root in directories the VM owner can
   * write, and a link planted there must not make it open another file read-write.
   */
  static boolean held(Path image) {
    if (!Files.isRegularFile(image, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try (FileChannel c =
        FileChannel.open(
            image, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
      FileLock l = c.tryLock(LOCK_START, LOCK_LENGTH, false);
      if (l == null) {
        return true;
      }
      l.release();
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (OverlappingFileLockException e) {
      return false; // this process is checking the same file on another thread: not a VMM
    } catch (IOException e) {
      LOG.warn("could not check whether {} is in use: {}", image, e.toString());
      return false;
    }
  }
}
