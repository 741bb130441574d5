package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The VMM's device and memory state, saved in {@code state/} of the snapshot's directory: that
 * subdirectory is vm-service's alone (the disk copies beside it are disk-service's), so undo and
 * delete remove it whole without knowing the driver's file names.
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
    Path dir = s.copies().directory().resolve(STATE_DIR);
    ctx.onUndo("saved state of snapshot " + s.name(), () -> removeTree(dir));
    Files.createDirectory(dir);
    s.stateBytes(s.vmm().saveState(dir));
  }

  /** Removes {@code dir} and what is in it; nothing when it is gone already. */
  static void removeTree(Path dir) throws IOException {
    if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
