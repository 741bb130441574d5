package dev.banger.vm.app;

import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.SnapshotStore;
import java.util.Map;

/**
 * The snapshot a create asks to start from, checked: it exists, was taken under this host's driver,
 * records the address its guest wakes with, and the request names nothing the snapshot fixes
 * (image, kernel, sizes: the saved guest has them already).
 */
final class CloneSource {

  private final SnapshotStore store;
  private final String driverName;

  CloneSource(SnapshotStore store, String driverName) {
    this.store = store;
    this.driverName = driverName;
  }

  SnapshotRecord resolve(CreateRequest req) throws Exception {
    if (req.noStart()) {
      throw VmProblem.invalid(
          "no_start",
          "a VM from a snapshot starts as it is made (its state is restored); no_start cannot be"
              + " asked with a snapshot");
    }
    refuseSet("image", !req.image().isEmpty());
    refuseSet("kernel", !req.kernel().isEmpty());
    SnapshotRecord s = store.find(req.snapshot()).orElseThrow(() -> notFound(req.snapshot()));
    refuseOther("spec.vcpu", req.vcpu(), s.vcpu());
    refuseOther("spec.memory_mib", req.memoryMib(), s.memoryMib());
    refuseOther("spec.work_disk_bytes", req.workDiskBytes(), s.workDiskBytes());
    refuseOther("spec.system_overlay_bytes", req.systemOverlayBytes(), s.systemOverlayBytes());
    if (!s.driver().equals(driverName)) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "SNAPSHOT_OTHER_DRIVER",
          "snapshot \""
              + s.name()
              + "\" was taken under the "
              + s.driver()
              + " driver; this host runs "
              + driverName,
          Map.of("snapshot", s.name()));
    }
    if (s.guestIp() == null || s.guestMac() == null) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "SNAPSHOT_TOO_OLD",
          "snapshot \""
              + s.name()
              + "\" was taken before VMs could start from snapshots and does not record its"
              + " guest's address; take a new one",
          Map.of("snapshot", s.name()));
    }
    return s;
  }

  /** The request with the snapshot's image, kernel and sizes: what its guest was saved with. */
  static CreateRequest shapedBy(CreateRequest r, SnapshotRecord s) {
    return new CreateRequest(
        r.requestId(),
        r.name(),
        s.image(),
        s.kernel(),
        s.vcpu(),
        s.memoryMib(),
        s.workDiskBytes(),
        s.systemOverlayBytes(),
        r.nat(),
        r.driver(),
        false,
        r.keepFailed(),
        r.ownerUid(),
        r.snapshot());
  }

  static VmProblem notFound(String ref) {
    String shown = dev.banger.kit.text.Printable.bare(ref, 80);
    return new VmProblem(
        VmProblem.Kind.NOT_FOUND,
        "SNAPSHOT_NOT_FOUND",
        "snapshot \"" + shown + "\" not found",
        Map.of("snapshot", shown));
  }

  /** Whether the snapshot's row is still there (a delete may have run since it was read). */
  boolean stillThere(SnapshotRecord s) throws Exception {
    return store.find(s.id()).isPresent();
  }

  private static void refuseSet(String field, boolean set) {
    if (set) {
      throw VmProblem.invalid(
          field, field + " comes from the snapshot; leave it empty when starting from one");
    }
  }

  /** Zero means "not asked"; anything else must be what the snapshot's guest has. */
  private static void refuseOther(String field, long asked, long snapshot) {
    if (asked != 0 && asked != snapshot) {
      throw VmProblem.invalid(
          field,
          field
              + " "
              + asked
              + " differs from the snapshot's "
              + snapshot
              + "; a restored guest keeps the shape it was saved with");
    }
  }
}
