package dev.banger.disk;

import dev.banger.disk.copy.FileCloner;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot's frozen copies of a VM's disks (docs/snapshots.md), in {@code snapshots/<id>/}: the
 * rootfs overlay and the work disk as they are at the moment of the copy. vm-service pauses the VM
 * first (QEMU drains and flushes its block devices on a pause), so the copies match the memory
 * state it saves in {@code state/} beside them. A copy reflinks where the file system can, else
 * copies sparsely, under the VM's disk lock; each file is built under a {@code .partial} name and
 * renamed, so a half-made copy is never taken for a whole one. The directory and the copies are
 * root's (0711, 0600): only {@code state/} is vm-service's. Copy and remove of one snapshot hold
 * its lock, so a remove (an undo after a timed-out copy) waits for the copy and then undoes it
 * whole. Ids are UUIDs; no caller names a path.
 */
final class SnapshotDisks {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotDisks.class);

  /** What a copy made. */
  record Copied(
      Path directory, Path overlay, Optional<Path> workDisk, long bytesCopied, Path state) {}

  private final PathGuard guard;
  private final VmDisks disks;
  private final FileCloner cloner;
  private final dev.banger.kit.concurrent.KeyedLocks locks =
      new dev.banger.kit.concurrent.KeyedLocks();

  SnapshotDisks(PathGuard guard, VmDisks disks, FileCloner cloner) {
    this.guard = guard;
    this.disks = disks;
    this.cloner = cloner;
  }

  /**
   * Copies the VM's recorded disks into the snapshot's directory. A retry of the same copy finds
   * the finished files and returns them; NOT_FOUND when the VM has no overlay.
   */
  Copied copy(String rawVmId, String rawSnapshotId) throws IOException {
    String vmId = PathGuard.vmId(rawVmId);
    String snapshotId = PathGuard.snapshotId(rawSnapshotId);
    return locked(
        snapshotId,
        () ->
            disks.withDisks(vmId, (overlay, work) -> copyLocked(vmId, snapshotId, overlay, work)));
  }

  private Copied copyLocked(
      String vmId, String snapshotId, Optional<Path> overlay, Optional<Path> work)
      throws IOException {
    if (overlay.isEmpty()) {
      throw Errors.of(
          Status.NOT_FOUND.withDescription("VM " + vmId + " has no rootfs overlay to copy"),
          "OVERLAY_NOT_FOUND",
          Map.of("vm_id", vmId));
    }
    Path dir = guard.snapshotDir(snapshotId);
    long bytes = place(dir, VmDisks.OVERLAY_FILE, overlay.get());
    Optional<Path> workCopy = Optional.empty();
    if (work.isPresent()) {
      bytes += place(dir, VmDisks.WORK_FILE, work.get());
      workCopy = Optional.of(dir.resolve(VmDisks.WORK_FILE));
    }
    Path state = guard.snapshotStateDir(dir);
    LOG.info("disks of VM {} copied for snapshot {} ({} bytes)", vmId, snapshotId, bytes);
    return new Copied(dir, dir.resolve(VmDisks.OVERLAY_FILE), workCopy, bytes, state);
  }

  /**
   * Removes the snapshot's disk copies, its {@code state/} once vm-service has emptied it, and the
   * directory. Idempotent: an unknown snapshot is already gone. A {@code state/} that still holds
   * files is left with the directory (vm-service's to empty; a later remove finishes).
   */
  void remove(String rawSnapshotId) throws IOException {
    String snapshotId = PathGuard.snapshotId(rawSnapshotId);
    locked(
        snapshotId,
        () -> {
          Path dir = guard.snapshotsRoot().resolve(snapshotId);
          if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir)) {
            Files.deleteIfExists(dir);
            return null;
          }
          for (String name : new String[] {VmDisks.OVERLAY_FILE, VmDisks.WORK_FILE}) {
            DiskInUse.refuseIfOpen(dir.resolve(name), "snapshot disk");
            Files.deleteIfExists(dir.resolve(name));
            Files.deleteIfExists(PartialFile.partialOf(dir, name));
          }
          try {
            Files.deleteIfExists(dir.resolve("state"));
            Files.deleteIfExists(dir);
          } catch (DirectoryNotEmptyException e) {
            LOG.warn("snapshot directory {} still holds saved state; left", dir);
          }
          return null;
        });
  }

  private <T> T locked(String snapshotId, dev.banger.kit.concurrent.KeyedLocks.Body<T> body)
      throws IOException {
    try {
      return locks.with(snapshotId, body);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
  }

  /** {@code dir/name} as a copy of {@code source}, through {@code dir/.name.partial}. */
  private long place(Path dir, String name, Path source) throws IOException {
    Path target = dir.resolve(name);
    if (Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return 0; // a retried copy: made already
    }
    return PartialFile.make(
        dir,
        name,
        partial -> {
          FileCloner.Result r = cloner.copy(source, partial, true);
          Files.setPosixFilePermissions(
              partial, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
          return r.bytesCopied();
        });
  }
}
