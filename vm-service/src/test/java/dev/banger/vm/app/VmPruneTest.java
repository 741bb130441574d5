package dev.banger.vm.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prune by owner: the caller's VMs at rest go, other users' and unowned ones stay (and are named)
 * unless all owners are asked for; a running VM stays whoever owns it.
 */
class VmPruneTest {

  static final StageProgress QUIET = (stage, message, done, total) -> {};
  static final int ALICE = 1000;
  static final int BOB = 1001;

  @TempDir Path dir;
  AppHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir);
    h.recordVm("alice-old", VmState.STOPPED, ALICE);
    h.recordVm("alice-new", VmState.CREATED, ALICE);
    h.recordVm("bob-old", VmState.STOPPED, BOB);
    h.recordVm("legacy", VmState.ERROR, null);
    h.lifecycle.create(
        new CreateRequest("", "alice-up", "", "", 0, 0, 0, 0, false, "", false, false, ALICE),
        QUIET,
        () -> false);
  }

  @Test
  void aCreateRecordsWhoAsked() throws Exception {
    assertEquals(ALICE, h.store.find("alice-up").orElseThrow().ownerUid());
    assertEquals(null, h.store.find("legacy").orElseThrow().ownerUid(), "unset stays unset");
  }

  @Test
  void onlyTheCallersVmsAtRestArePrunedAndTheOthersAreNamed() throws Exception {
    VmControl.Pruned p = h.control.prune(ALICE, false);
    assertEquals(List.of("alice-new", "alice-old"), p.deleted());
    assertEquals(List.of("bob-old", "legacy"), p.keptOtherOwners());
    assertEquals(List.of("alice-up", "bob-old", "legacy"), names());
  }

  @Test
  void allOwnersPrunesEveryVmAtRestButNoRunningOne() throws Exception {
    VmControl.Pruned p = h.control.prune(BOB, true);
    assertEquals(List.of("alice-new", "alice-old", "bob-old", "legacy"), p.deleted());
    assertEquals(List.of(), p.keptOtherOwners());
    assertEquals(List.of("alice-up"), names());
    assertEquals(VmState.RUNNING, h.store.find("alice-up").orElseThrow().state());
  }

  @Test
  void aCallerWithNoCredentialsPrunesOnlyUnownedVms() throws Exception {
    VmControl.Pruned p = h.control.prune(null, false);
    assertEquals(List.of("legacy"), p.deleted());
    assertEquals(List.of("alice-new", "alice-old", "bob-old"), p.keptOtherOwners());
  }

  private List<String> names() throws Exception {
    return h.store.list().stream().map(VmRecord::name).toList();
  }
}
