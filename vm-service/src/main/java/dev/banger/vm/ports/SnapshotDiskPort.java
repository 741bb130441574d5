package dev.banger.vm.ports;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What snapshots need from disk-service: frozen copies of a paused VM's disks, in a directory
 * disk-service makes (and vm-service writes the saved VMM state into), and their removal. Both are
 * idempotent by snapshot id.
 */
public interface SnapshotDiskPort {

  /** The copies of one VM's disks for one snapshot. */
  record Copies(Path directory, Path overlay, Optional<Path> workDisk, long bytesCopied) {}

  Copies copy(String vmId, String snapshotId);

  /** Removes the disk copies, and the directory once nothing else is in it. */
  void remove(String snapshotId);
}
