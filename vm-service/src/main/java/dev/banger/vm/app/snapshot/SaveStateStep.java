package dev.banger.vm.app.snapshot;

import dev.banger.kit.state.DirectoryTrees;
import dev.banger.vm.steps.StepContext;
import java.nio.file.Path;

/**
 * The VMM's device and memory state, saved in the snapshot's {@code state/}: that directory is
 * vm-service's alone (disk-service made it, the copies beside it are root's), so undo and delete
 * empty it without knowing the driver's file names.
 */
final class SaveStateStep implements SnapshotStep {

  static final String NAME = "save-state";
  static final String STATE_DIR = "state";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(SnapshotState s, StepContext ctx) throws Exception {
    Path dir = s.copies().stateDirectory();
    ctx.onUndo("saved state of snapshot " + s.name(), () -> DirectoryTrees.empty(dir));
    s.stateBytes(s.vmm().saveState(dir));
  }
}
