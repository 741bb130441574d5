package dev.banger.vm.app.snapshot;

import dev.banger.vm.ports.SnapshotDiskPort;
import dev.banger.vm.steps.StepContext;

/** The VM's disks as they are now, copied by disk-service into the snapshot's directory. */
final class CopyDisksStep implements SnapshotStep {

  static final String NAME = "copy-disks";
  private final SnapshotDiskPort disks;

  CopyDisksStep(SnapshotDiskPort disks) {
    this.disks = disks;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(SnapshotState s, StepContext ctx) {
    // Registered first: a copy that fails half-way may have left files; removal is idempotent.
    ctx.onUndo("disk copies of snapshot " + s.name(), () -> disks.remove(s.id()));
    s.copies(disks.copy(s.vm().id(), s.id()));
  }
}
