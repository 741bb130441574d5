package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepContext;

/**
 * One step of a snapshot (docs/snapshots.md: pause, copy disks, save state, record). A step
 * registers the undo of what it made as soon as it has made it, so a failure or a cancel leaves
 * nothing behind and the VM running as it was.
 */
interface SnapshotStep {

  /** The stage name Progress events carry. */
  String name();

  void run(SnapshotState state, StepContext ctx) throws Exception;
}
