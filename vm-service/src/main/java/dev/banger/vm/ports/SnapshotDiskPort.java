package dev.banger.vm.ports;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What snapshots need from disk-service: frozen copies of a paused VM's disks, in a directory
 * disk-service makes (and vm-service writes the saved VMM state into), and their removal. Both are
 * idempotent by snapshot id.
 */
public interface SnapshotDiskPort {

  /**
   * The copies of one VM's disks for one snapshot.
   *
   * @param stateDirectory the snapshot's {@code state/}, vm-service's own (0700): the saved VMM
   *     state goes there, and vm-service writes nowhere else in the snapshot's directory
   */
  record Copies(Path directory, Path overlay, Optional<Path> workDisk, Path stateDirectory) {}

  Copies copy(String vmId, String snapshotId);

  /** Removes the disk copies, the emptied {@code state/} and the directory. */
  void remove(String snapshotId);
}
