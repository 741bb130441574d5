package dev.banger.vm.app;

import dev.banger.vm.steps.StepFailedException;

/** A start that failed at a step (or was cancelled) and was rolled back; names the VM. */
public final class StartFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String vm;
  private final transient StepFailedException failure;

  public StartFailed(String vm, StepFailedException failure) {
    super("vm \"" + vm + "\": " + failure.getMessage(), failure);
    this.vm = vm;
    this.failure = failure;
  }

  public String vm() {
    return vm;
  }

  public StepFailedException failure() {
    return failure;
  }
}
