package dev.banger.vm.app.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.store.SnapshotRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A vm-service killed mid-snapshot leaves a directory without a row: the next start removes it
 * (state and disk copies), keeps every recorded snapshot and every directory that is not banger's,
 * and retries while disk-service is not answering.
 */
class SnapshotSweepTest {

  static final StageProgress QUIET = (stage, message, done, total) -> {};

  @TempDir Path dir;

  @Test
  void aDirectoryWithoutARowGoesAndRecordedOnesStay() throws Exception {
    AppHarness h = new AppHarness(dir);
    h.lifecycle.create(
        new CreateRequest("", "up", "", "", 0, 0, 0, 0, false, "", false, false, null),
        QUIET,
        () -> false);
    SnapshotRecord kept = h.snapshotCreate.create("up", "kept", QUIET, () -> false);
    String orphan = UUID.randomUUID().toString();
    h.snapshotDisks.copy(kept.vmId(), orphan); // a crash after the copy, before the row
    Path orphanDir = kept.directory().resolveSibling(orphan);
    Files.writeString(orphanDir.resolve("state/qemu-state.bin"), "half");
    Path foreign = Files.createDirectories(kept.directory().resolveSibling("lost+found"));

    SnapshotSweep sweep =
        new SnapshotSweep(kept.directory().getParent(), h.snapshotStore, h.snapshotDisks);
    assertEquals(List.of(orphan), sweep.orphans());
    h.host.failOn("removeSnapshotDisks");
    sweep.remove(List.of(orphan), 2, 1);
    assertTrue(Files.exists(orphanDir), "disk-service down: left for the next start");
    assertEquals(
        List.of("removeSnapshotDisks", "removeSnapshotDisks"),
        h.host.calls.stream().filter("removeSnapshotDisks"::equals).toList(),
        "tried again before giving up");
    h.host.recover("removeSnapshotDisks");
    sweep.remove(sweep.orphans(), 2, 1);
    assertFalse(Files.exists(orphanDir), "state and copies gone");
    assertTrue(Files.isDirectory(kept.directory()), "a recorded snapshot stays");
    assertTrue(Files.isDirectory(foreign), "not banger's: left alone");
    assertEquals(List.of(), sweep.orphans());
  }
}
