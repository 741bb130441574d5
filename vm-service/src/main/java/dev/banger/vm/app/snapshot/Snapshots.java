package dev.banger.vm.app.snapshot;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.state.DirectoryTrees;
import dev.banger.vm.app.SnapshotUse;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.ports.SnapshotDiskPort;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.SnapshotStore;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Listing, showing and deleting snapshots. */
public final class Snapshots {

  private static final Logger LOG = LoggerFactory.getLogger(Snapshots.class);

  private final SnapshotStore store;
  private final SnapshotDiskPort disks;
  private final KeyedLocks locks;
  private final SnapshotUse use;

  public Snapshots(SnapshotStore store, SnapshotDiskPort disks, KeyedLocks locks, SnapshotUse use) {
    this.store = store;
    this.disks = disks;
    this.locks = locks;
    this.use = use;
  }

  public List<SnapshotRecord> list() throws Exception {
    return store.list();
  }

  /** By name or id; NOT_FOUND naming it otherwise. */
  public SnapshotRecord get(String ref) throws Exception {
    return store
        .find(ref)
        .orElseThrow(
            () ->
                new VmProblem(
                    VmProblem.Kind.NOT_FOUND,
                    "SNAPSHOT_NOT_FOUND",
                    "snapshot \"" + ref + "\" not found",
                    Map.of("snapshot", ref)));
  }

  /**
   * Empties the saved state (vm-service's {@code state/}), then removes the disk copies and the
   * directory (disk-service), then the row: a delete cut short leaves a row whose files are partly
   * gone, and deleting again finishes it. Refused while VMs start from the snapshot ({@link
   * SnapshotUse}).
   */
  public void delete(String ref) throws Exception {
    SnapshotRecord s = get(ref);
    use.beginDelete(s);
    try {
      locks.with(
          "snapshot:" + s.id(),
          () -> {
            DirectoryTrees.empty(s.directory().resolve(SaveStateStep.STATE_DIR));
            disks.remove(s.id());
            store.delete(s.id());
            LOG.info("deleted snapshot {} ({})", s.name(), s.id());
            return null;
          });
    } finally {
      use.endDelete(s);
    }
  }
}
