package dev.banger.vm.app.start;

import dev.banger.vm.steps.StepContext;

/** Runs the restored guest on, once its network is in place. Undone with the VMM. */
public final class ResumeGuestStep implements StartStep {

  public static final String NAME = "resume";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) throws Exception {
    s.vmm().resume();
  }
}
