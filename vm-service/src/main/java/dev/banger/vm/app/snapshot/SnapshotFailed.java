package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepFailedException;

/** A snapshot that failed at a step (or was cancelled) and was undone; names it and its VM. */
public final class SnapshotFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String snapshot;
  private final transient StepFailedException failure;

  public SnapshotFailed(String snapshot, String vm, StepFailedException failure) {
    super("snapshot \"" + snapshot + "\" of vm \"" + vm + "\": " + failure.getMessage(), failure);
    this.snapshot = snapshot;
    this.failure = failure;
  }

  public String snapshot() {
    return snapshot;
  }

  public StepFailedException failure() {
    return failure;
  }
}
