package dev.banger.disk;

import dev.banger.disk.copy.FileCloner;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A snapshot's frozen copies of a VM's disks (docs/snapshots.md), in {@code snapshots/<id>/}: the
 * rootfs overlay and the work disk as they are at the moment of the copy. vm-service pauses the VM
 * first (QEMU drains and flushes its block devices on a pause), so the copies match the memory
 * state it saves beside them. A copy reflinks where the file system can, else copies sparsely,
 * under the VM's disk lock; each file is built under a {@code .partial} name and renamed, so a
 * half-made copy is never taken for a whole one. Ids are UUIDs; no caller names a path.
 */
final class SnapshotDisks {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotDisks.class);

  /** What a copy made. */
  record Copied(Path directory, Path overlay, Optional<Path> workDisk, long bytesCopied) {}

  private final PathGuard guard;
  private final VmDisks disks;
  private final FileCloner cloner;

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
    return disks.withDisks(
        vmId,
        (overlay, work) -> {
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
          LOG.info("disks of VM {} copied for snapshot {} ({} bytes)", vmId, snapshotId, bytes);
          return new Copied(dir, dir.resolve(VmDisks.OVERLAY_FILE), workCopy, bytes);
        });
  }

  /**
   * Removes the snapshot's disk copies, then its directory when nothing else is left in it
   * (vm-service removes its own files first). Idempotent: an unknown snapshot is already gone.
   */
  void remove(String rawSnapshotId) throws IOException {
    String snapshotId = PathGuard.snapshotId(rawSnapshotId);
    Path dir = guard.snapshotsRoot().resolve(snapshotId);
    if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir)) {
      Files.deleteIfExists(dir);
      return;
    }
    for (String name : new String[] {VmDisks.OVERLAY_FILE, VmDisks.WORK_FILE}) {
      DiskInUse.refuseIfOpen(dir.resolve(name), "snapshot disk");
      Files.deleteIfExists(dir.resolve(name));
      Files.deleteIfExists(dir.resolve("." + name + ".partial"));
    }
    try {
      Files.deleteIfExists(dir);
    } catch (DirectoryNotEmptyException e) {
      LOG.warn("snapshot directory {} still holds files not of disk-service; left", dir);
    }
  }

  /** {@code dir/name} as a copy of {@code source}, through {@code dir/.name.partial}. */
  private long place(Path dir, String name, Path source) throws IOException {
    Path target = dir.resolve(name);
    if (Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return 0; // a retried copy: made already
    }
    Path partial = dir.resolve("." + name + ".partial");
    Files.deleteIfExists(partial);
    boolean ok = false;
    try {
      FileCloner.Result r = cloner.copy(source, partial, true);
      PathGuard.giveToOwnerOf(dir, partial);
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
      ok = true;
      return r.bytesCopied();
    } finally {
      if (!ok) {
        Files.deleteIfExists(partial);
      }
    }
  }
}
