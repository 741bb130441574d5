package dev.banger.vm.app;

import dev.banger.vm.store.SnapshotRecord;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which snapshots VMs are being started from right now, so a delete does not take the files from
 * under a restore, while any number of VMs start from one snapshot at once (a lock would queue
 * them). A VM started from a snapshot has copies of its disks and a VMM that has read the saved
 * state, so once started it no longer uses the snapshot.
 */
public final class SnapshotUse {

  private final Map<String, Integer> starting = new HashMap<>();
  private final Set<String> deleting = new HashSet<>();

  /** A VM starts from {@code s}; FAILED_PRECONDITION while it is being deleted. */
  public synchronized void acquire(SnapshotRecord s) {
    if (deleting.contains(s.id())) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "SNAPSHOT_BEING_DELETED",
          "snapshot \"" + s.name() + "\" is being deleted",
          Map.of("snapshot", s.name()));
    }
    starting.merge(s.id(), 1, Integer::sum);
  }

  public synchronized void release(SnapshotRecord s) {
    starting.computeIfPresent(s.id(), (k, n) -> n == 1 ? null : n - 1);
  }

  /** A delete of {@code s} begins; FAILED_PRECONDITION while VMs start from it. */
  public synchronized void beginDelete(SnapshotRecord s) {
    int n = starting.getOrDefault(s.id(), 0);
    if (n > 0) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "SNAPSHOT_IN_USE",
          "snapshot \""
              + s.name()
              + "\" is in use: "
              + n
              + " VM(s) are starting from it; delete it once they have started",
          Map.of("snapshot", s.name(), "starting", Integer.toString(n)));
    }
    deleting.add(s.id());
  }

  public synchronized void endDelete(SnapshotRecord s) {
    deleting.remove(s.id());
  }
}
