package dev.banger.vm.app.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.store.SnapshotRecord;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots on fake ports: the steps in order with the VM resumed after, a paused VM left paused,
 * every failure and a cancel undone to nothing with the VM running again, refusals before any port
 * is called, and a delete that takes the files and the row.
 */
class SnapshotCreateTest {

  static final StageProgress QUIET = (stage, message, done, total) -> {};

  @TempDir Path dir;
  AppHarness h;
  VmRecord up;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir);
    up =
        h.lifecycle.create(
            new CreateRequest("", "up", "", "", 0, 0, 0, 0, false, "", false, false, null),
            QUIET,
            () -> false);
    h.host.calls.clear();
  }

  @Test
  void aRunningVmIsPausedCopiedSavedRecordedAndResumed() throws Exception {
    List<String> stages = new ArrayList<>();
    SnapshotRecord s =
        h.snapshotCreate.create("up", "warm", (st, m, d, t) -> stages.add(st), () -> false);
    assertEquals(List.of(SnapshotCreate.stages()), stages);
    assertEquals(List.of("run", "pause", "copySnapshotDisks", "saveState", "resume"), h.host.calls);
    assertEquals(
        List.of("sync && echo 3 > /proc/sys/vm/drop_caches"),
        h.guest.ranCommands,
        "the page cache dropped first, so the saved state carries only used memory");
    assertEquals(VmState.RUNNING, h.store.find("up").orElseThrow().state());
    assertEquals("warm", s.name());
    assertEquals(up.id(), s.vmId());
    assertEquals("up", s.vmName());
    assertEquals(up.vcpu(), s.vcpu());
    assertEquals(up.memoryMib(), s.memoryMib());
    assertTrue(Files.isRegularFile(s.directory().resolve("state/fake-state.bin")));
    assertEquals(Files.size(s.directory().resolve("state/fake-state.bin")), s.stateBytes());
    assertEquals(
        Files.size(s.directory().resolve("rootfs.ext4"))
            + Files.size(s.directory().resolve("work.ext4")),
        s.diskBytes(),
        "apparent sizes of the copies");
    assertEquals(s, h.snapshots.get("warm"));
    assertEquals(s, h.snapshots.get(s.id()));
    assertEquals(List.of(s), h.snapshots.list());
  }

  @Test
  void aPausedVmIsNeitherPausedAgainNorResumed() throws Exception {
    h.pause.pause("up");
    h.host.calls.clear();
    h.snapshotCreate.create("up", "still", QUIET, () -> false);
    assertEquals(List.of("copySnapshotDisks", "saveState"), h.host.calls);
    assertEquals(VmState.PAUSED, h.store.find("up").orElseThrow().state());
  }

  @Test
  void aFailedSaveIsUndoneToNothingAndTheVmRunsOn() throws Exception {
    h.host.failOn("saveState");
    SnapshotFailed e =
        assertThrows(
            SnapshotFailed.class,
            () -> h.snapshotCreate.create("up", "broken", QUIET, () -> false));
    assertEquals("save-state", e.failure().step());
    assertTrue(e.getMessage().startsWith("snapshot \"broken\" of vm \"up\": "), e.getMessage());
    assertEquals(
        List.of("run", "pause", "copySnapshotDisks", "saveState", "removeSnapshotDisks", "resume"),
        h.host.calls,
        "undone in reverse order");
    assertNothingLeft();
  }

  @Test
  void aGuestThatCannotDropItsCacheIsSnapshottedAsItIs() throws Exception {
    h.host.failOn("run");
    SnapshotRecord s = h.snapshotCreate.create("up", "anyway", QUIET, () -> false);
    assertEquals("anyway", s.name());
    assertEquals(VmState.RUNNING, h.store.find("up").orElseThrow().state());
  }

  @Test
  void aFailedCopyIsUndoneAndTheVmRunsOn() throws Exception {
    h.host.failOn("copySnapshotDisks");
    SnapshotFailed e =
        assertThrows(
            SnapshotFailed.class,
            () -> h.snapshotCreate.create("up", "nocopy", QUIET, () -> false));
    assertEquals("copy-disks", e.failure().step());
    assertEquals(
        List.of("run", "pause", "copySnapshotDisks", "removeSnapshotDisks", "resume"),
        h.host.calls);
    assertNothingLeft();
  }

  @Test
  void aVmThatWillNotResumeKeepsTheSnapshotAndTheErrorSaysSo() throws Exception {
    h.host.failOn("resume");
    VmProblem e =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("up", "kept", QUIET, () -> false));
    assertTrue(
        e.getMessage().contains("was taken, but vm \"up\" could not be resumed and is paused"),
        e.getMessage());
    assertEquals("kept", h.snapshots.get("kept").name(), "the whole snapshot stays");
    assertEquals(VmState.PAUSED, h.store.find("up").orElseThrow().state());
  }

  @Test
  void aVmPausedSinceItsLastSnapshotIsSentBackAndOtherDriversRefused() throws Exception {
    h.pause.pause("up");
    h.snapshotCreate.create("up", "first", QUIET, () -> false);
    long pid = h.runtime.get(up.id()).orElseThrow().vmm().pid();
    h.driver.statusOverride.put(pid, "postmigrate"); // as QEMU is after a save
    h.host.calls.clear();
    VmProblem again =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("up", "second", QUIET, () -> false));
    assertTrue(
        again.getMessage().contains("resume it (banger vm resume up) before another snapshot"),
        again.getMessage());
    assertEquals(List.of(), h.host.calls, "QEMU is not asked to save twice");
    h.driver.statusOverride.clear();

    h.db.update("UPDATE vms SET driver = ? WHERE id = ?", "firecracker", up.id());
    VmProblem other =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("up", "fc", QUIET, () -> false));
    assertEquals(VmProblem.Kind.UNIMPLEMENTED, other.kind());
  }

  @Test
  void aCancelDuringTheCopyIsUndoneToo() throws Exception {
    h.host.cancelOn("copySnapshotDisks");
    SnapshotFailed e =
        assertThrows(
            SnapshotFailed.class,
            () -> h.snapshotCreate.create("up", "cut", QUIET, h.host.cancelled()));
    assertTrue(e.failure().cancelled());
    assertNothingLeft();
  }

  @Test
  void refusalsComeBeforeAnyPortIsCalled() throws Exception {
    h.recordVm("off", VmState.STOPPED);
    h.snapshotCreate.create("up", "taken", QUIET, () -> false);
    h.host.calls.clear();
    VmProblem badName =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("up", "Bad Name", QUIET, () -> false));
    assertEquals(VmProblem.Kind.INVALID_ARGUMENT, badName.kind());
    assertTrue(badName.getMessage().startsWith("snapshot name"), badName.getMessage());
    VmProblem stopped =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("off", "s1", QUIET, () -> false));
    assertEquals(
        "vm \"off\" is stopped: only a running or paused VM can be snapshotted",
        stopped.getMessage());
    VmProblem taken =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("up", "taken", QUIET, () -> false));
    assertEquals(VmProblem.Kind.ALREADY_EXISTS, taken.kind());
    h.freeBytes = 100L << 20;
    VmProblem full =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("up", "s3", QUIET, () -> false));
    assertEquals(
        "not enough free space for the memory of vm \"up\": 512 MiB needed, 100 MiB free",
        full.getMessage());
    h.freeBytes = 1L << 40;
    VmProblem ghost =
        assertThrows(
            VmProblem.class, () -> h.snapshotCreate.create("ghost", "s2", QUIET, () -> false));
    assertEquals(VmProblem.Kind.NOT_FOUND, ghost.kind());
    assertEquals(List.of(), h.host.calls);
  }

  @Test
  void deleteTakesTheSavedStateTheCopiesAndTheRow() throws Exception {
    SnapshotRecord s = h.snapshotCreate.create("up", "gone", QUIET, () -> false);
    h.snapshots.delete("gone");
    assertFalse(Files.exists(s.directory()));
    assertEquals(List.of(), h.snapshots.list());
    VmProblem again = assertThrows(VmProblem.class, () -> h.snapshots.delete("gone"));
    assertEquals(VmProblem.Kind.NOT_FOUND, again.kind());
    assertEquals("snapshot \"gone\" not found", again.getMessage());
  }

  private void assertNothingLeft() throws Exception {
    assertEquals(List.of(), h.snapshots.list());
    assertEquals(0, h.snapshotDisks.left(), "no snapshot directory left");
    assertEquals(VmState.RUNNING, h.store.find("up").orElseThrow().state());
    assertFalse(h.driver.paused.contains(h.runtime.get(up.id()).orElseThrow().vmm().pid()));
  }
}
