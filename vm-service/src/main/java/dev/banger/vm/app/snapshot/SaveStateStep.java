package dev.banger.vm.app.snapshot;

import dev.banger.vm.steps.StepContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

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
    ctx.onUndo("saved state of snapshot " + s.name(), () -> empty(dir));
    s.stateBytes(s.vmm().saveState(dir));
  }

  /** Removes what is in {@code dir}, keeping {@code dir}; nothing when it is gone. */
  static void empty(Path dir) throws IOException {
    if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        if (!p.equals(dir)) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
