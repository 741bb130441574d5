package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepContext;
import dev.banger.vm.store.VmStore;

/** The VM runs on, if the snapshot paused it; one that was paused before stays paused. */
final class ResumeStep implements SnapshotStep {

  static final String NAME = "resume";
  private final VmStore store;

  ResumeStep(VmStore store) {
    this.store = store;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(SnapshotState s, StepContext ctx) throws Exception {
    if (s.pausedHere()) {
      s.vmm().resume();
      store.setPaused(s.vm().id(), false);
    }
  }
}
