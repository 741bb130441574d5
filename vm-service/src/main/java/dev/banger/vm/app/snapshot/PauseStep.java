package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepContext;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;

/**
 * Stops the VM's vCPUs so memory and disks hold still; the VMM drains and flushes its disks as it
 * pauses. A VM paused already stays as it is, and is not resumed afterwards.
 */
final class PauseStep implements SnapshotStep {

  static final String NAME = "pause";
  private final VmStore store;

  PauseStep(VmStore store) {
    this.store = store;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(SnapshotState s, StepContext ctx) throws Exception {
    if (s.vm().state() == VmState.PAUSED) {
      return;
    }
    s.vmm().pause();
    s.pausedHere(true);
    // Registered before the record is written: a failed write must still resume the VMM.
    ctx.onUndo(
        "resume VM " + s.vm().name(),
        () -> {
          s.vmm().resume();
          store.setPaused(s.vm().id(), false);
        });
    store.setPaused(s.vm().id(), true);
  }
}
