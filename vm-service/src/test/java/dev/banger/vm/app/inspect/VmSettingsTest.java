package dev.banger.vm.app.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.app.AppHarness;
import dev.banger.vm.app.CreateRequest;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.store.VmRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SetVm: only a VM at rest changes, 0 keeps a value, a bad size or a disk grow is refused. */
class VmSettingsTest {

  @TempDir java.nio.file.Path dir;

  @Test
  void aStoppedVmTakesANewSizeAndZeroKeepsTheOld() throws Exception {
    AppHarness h = new AppHarness(dir);
    VmRecord v = created(h, "small");
    VmSettings settings = new VmSettings(h.store, new VmLookup(h.store), h.locks);
    VmRecord changed = settings.set("small", 2, 0, 0);
    assertEquals(2, changed.vcpu());
    assertEquals(v.memoryMib(), changed.memoryMib());
    assertEquals(1024, settings.set(v.id(), 0, 1024, v.workDiskBytes()).memoryMib());
    assertEquals(
        v.workDiskBytes() * 2,
        settings.set("small", 0, 0, v.workDiskBytes() * 2).workDiskBytes(),
        "a larger work disk is recorded for the next start");
  }

  @Test
  void aRunningVmABadSizeAndAShrinkAreRefusedAndChangeNothing() throws Exception {
    AppHarness h = new AppHarness(dir);
    VmSettings settings = new VmSettings(h.store, new VmLookup(h.store), h.locks);
    VmRecord running = h.lifecycle.create(AppHarness.create("up"), (s, m, d, t) -> {}, () -> false);
    VmProblem busy = assertThrows(VmProblem.class, () -> settings.set("up", 2, 0, 0));
    assertEquals("VM_WRONG_STATE", busy.reason());
    assertTrue(busy.getMessage().contains("stop it before"), busy.getMessage());

    VmRecord v = created(h, "idle");
    VmProblem tooMany = assertThrows(VmProblem.class, () -> settings.set("idle", 65, 0, 0));
    assertEquals(VmProblem.Kind.INVALID_ARGUMENT, tooMany.kind());
    assertTrue(tooMany.getMessage().contains("vcpu must be 1..64, got 65"), tooMany.getMessage());
    VmProblem shrink =
        assertThrows(VmProblem.class, () -> settings.set("idle", 0, 0, v.workDiskBytes() / 2));
    assertEquals(VmProblem.Kind.INVALID_ARGUMENT, shrink.kind());
    assertTrue(shrink.getMessage().contains("can only grow"), shrink.getMessage());
    VmProblem odd =
        assertThrows(VmProblem.class, () -> settings.set("idle", 0, 0, v.workDiskBytes() + 1));
    assertTrue(odd.getMessage().contains("multiple of 4096"), odd.getMessage());
    VmRecord after = new VmLookup(h.store).find("idle");
    assertEquals(v.vcpu(), after.vcpu());
    assertEquals(v.workDiskBytes(), after.workDiskBytes());
    assertEquals(running.vcpu(), new VmLookup(h.store).find("up").vcpu());
  }

  static VmRecord created(AppHarness h, String name) throws Exception {
    return h.lifecycle.create(
        new CreateRequest("", name, "", "", 0, 0, 0, 0, false, "", true, false, null),
        (s, m, d, t) -> {},
        () -> false);
  }
}
