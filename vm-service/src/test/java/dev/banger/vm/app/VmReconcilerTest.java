package dev.banger.vm.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.driver.VmmHandle;
import dev.banger.vm.fakes.StandInVmm;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up reconcile against real processes standing in for VMMs: it finds them by their run
 * directory, not by handles files, so the crash window between a VMM's launch and its handle write
 * leaves nothing running; it adopts only the VMM its handles name.
 */
class VmReconcilerTest {

  @TempDir Path dir;
  AppHarness h;

  @BeforeEach
  void setUp() throws Exception {
    h = new AppHarness(dir);
  }

  VmRecord vm(String name, VmState state) throws Exception {
    VmRecord v = h.recordVm(name, state);
    h.host.taps.add(v.id());
    return v;
  }

  VmmHandle handleOf(VmRecord v, StandInVmm vmm) {
    return VmmHandle.of(
            "qemu", vmm.pid(), h.paths.runDir(v.id()).resolve("qmp.sock"), h.paths.runDir(v.id()))
        .orElseThrow();
  }

  @Test
  void aVmmLaunchedJustBeforeACrashIsFoundAndStoppedThoughNoHandlesExist() throws Exception {
    VmRecord v = vm("starting", VmState.STARTING);
    try (StandInVmm orphan = StandInVmm.start(h.paths.runDir(v.id()))) {
      VmReconciler.Report r = h.reconciler().run(Runnable::run);
      assertFalse(orphan.process.isAlive(), "the orphaned VMM is stopped");
      assertEquals(List.of("starting"), r.vmmsStopped());
      VmRecord after = h.store.find(v.id()).orElseThrow();
      assertEquals(VmState.ERROR, after.state());
      assertEquals("vm-service restarted while the VM was starting", after.stateReason());
      assertEquals("[]", h.host.taps.toString(), "its tap is given back");
    }
  }

  @Test
  void aRunningVmIsAdoptedAndASecondVmmOfItsRunDirIsStopped() throws Exception {
    VmRecord v = vm("running", VmState.RUNNING);
    try (StandInVmm vmm = StandInVmm.start(h.paths.runDir(v.id()));
        StandInVmm stray = StandInVmm.start(h.paths.runDir(v.id()).resolve("old"))) {
      h.host.vmms.add(vmm.pid());
      HandlesFile.write(h.paths.vmDir(v.id()), new Handles(handleOf(v, vmm), "tb-1", "172.16.0.9"));
      VmReconciler.Report r = h.reconciler().run(Runnable::run);
      assertEquals(List.of("running"), r.adopted());
      assertTrue(vmm.process.isAlive(), "the adopted VMM runs on");
      assertFalse(stray.process.isAlive(), "a VMM its handles do not name is stopped");
      assertEquals(VmState.RUNNING, h.store.find(v.id()).orElseThrow().state());
      assertTrue(h.runtime.get(v.id()).isPresent());
      assertEquals("[" + v.id() + "]", h.host.taps.toString(), "an adopted VM keeps its tap");
    }
  }

  @Test
  void vmmsOfVmsAtRestInErrorOrWithoutARecordAreStopped() throws Exception {
    VmRecord stopped = vm("stopped", VmState.STOPPED);
    VmRecord failed = vm("failed", VmState.ERROR);
    String gone = UUID.randomUUID().toString();
    try (StandInVmm a = StandInVmm.start(h.paths.runDir(stopped.id()));
        StandInVmm b = StandInVmm.start(h.paths.runDir(failed.id()));
        StandInVmm c = StandInVmm.start(h.paths.runDir(gone))) {
      h.reconciler().run(Runnable::run);
      assertFalse(a.process.isAlive());
      assertFalse(b.process.isAlive());
      assertFalse(c.process.isAlive(), "a VMM whose VM was deleted");
      assertEquals("[]", h.host.taps.toString(), "and their taps are given back");
      assertEquals(VmState.STOPPED, h.store.find(stopped.id()).orElseThrow().state());
      assertEquals(VmState.ERROR, h.store.find(failed.id()).orElseThrow().state());
    }
  }

  @Test
  void aVmInErrorGetsItsTapBackAndAQuietVmIsLeftAlone() throws Exception {
    VmRecord failed = vm("failed", VmState.ERROR);
    VmRecord quiet = vm("quiet", VmState.STOPPED);
    VmReconciler.Report r = h.reconciler().run(Runnable::run);
    assertEquals(List.of("failed"), r.released());
    assertEquals(
        "[" + quiet.id() + "]", h.host.taps.toString(), "only the failed VM's tap was released");
    assertFalse(h.host.calls.contains("kill"));
    assertTrue(h.store.find(failed.id()).isPresent());
  }

  @Test
  void aRunningVmWhoseVmmIsGoneIsMarkedStopped() throws Exception {
    VmRecord v = vm("dead", VmState.RUNNING);
    VmReconciler.Report r = h.reconciler().run(Runnable::run);
    assertEquals(List.of("dead"), r.released());
    VmRecord after = h.store.find(v.id()).orElseThrow();
    assertEquals(VmState.STOPPED, after.state());
    assertEquals("the VMM was gone when vm-service restarted", after.stateReason());
  }

  @Test
  void aPausedVmIsAdoptedPaused() throws Exception {
    VmRecord v = vm("napping", VmState.PAUSED);
    try (StandInVmm vmm = StandInVmm.start(h.paths.runDir(v.id()))) {
      h.host.vmms.add(vmm.pid());
      h.driver.paused.add(vmm.pid());
      HandlesFile.write(h.paths.vmDir(v.id()), new Handles(handleOf(v, vmm), "tb-1", "172.16.0.9"));
      VmReconciler.Report r = h.reconciler().run(Runnable::run);
      assertEquals(List.of("napping"), r.adopted());
      assertEquals(VmState.PAUSED, h.store.find(v.id()).orElseThrow().state());
      assertTrue(vmm.process.isAlive());
    }
  }

  /**
   * vm-service died between the VMM's pause and recording it: the VMM's word wins. QEMU's
   * "postmigrate" (its state was just saved) counts as paused.
   */
  @Test
  void theRecordFollowsTheAdoptedVmmsPauseState() throws Exception {
    VmRecord v = vm("between", VmState.RUNNING);
    VmRecord w = vm("other-way", VmState.PAUSED);
    VmRecord x = vm("saved", VmState.RUNNING);
    try (StandInVmm a = StandInVmm.start(h.paths.runDir(v.id()));
        StandInVmm b = StandInVmm.start(h.paths.runDir(w.id()));
        StandInVmm c = StandInVmm.start(h.paths.runDir(x.id()))) {
      for (StandInVmm s : List.of(a, b, c)) {
        h.host.vmms.add(s.pid());
      }
      h.driver.paused.add(a.pid());
      h.driver.statusOverride.put(c.pid(), "postmigrate");
      HandlesFile.write(h.paths.vmDir(v.id()), new Handles(handleOf(v, a), "tb-1", "172.16.0.9"));
      HandlesFile.write(h.paths.vmDir(w.id()), new Handles(handleOf(w, b), "tb-2", "172.16.0.10"));
      HandlesFile.write(h.paths.vmDir(x.id()), new Handles(handleOf(x, c), "tb-3", "172.16.0.11"));
      h.reconciler().run(Runnable::run);
      assertEquals(VmState.PAUSED, h.store.find(v.id()).orElseThrow().state());
      assertEquals(VmState.RUNNING, h.store.find(w.id()).orElseThrow().state());
      assertEquals(VmState.PAUSED, h.store.find(x.id()).orElseThrow().state());
    }
  }
}
