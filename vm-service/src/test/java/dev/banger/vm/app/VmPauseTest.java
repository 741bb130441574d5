package dev.banger.vm.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.ops.StageProgress;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pause and resume on fake ports: the VMM is told, the state recorded, repeats change nothing,
 * wrong states are refused by name, and a paused VM still stops, refuses a start and notices its
 * VMM dying.
 */
class VmPauseTest {

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
  }

  long pid() {
    return h.runtime.get(up.id()).orElseThrow().vmm().pid();
  }

  @Test
  void pauseStopsTheVcpusAndResumeRunsThemAgainKeepingTheStartTime() throws Exception {
    String network = h.host.leases + " " + h.host.taps;
    VmRecord paused = h.pause.pause("up");
    assertEquals(VmState.PAUSED, paused.state());
    assertTrue(h.driver.paused.contains(pid()));
    assertEquals(VmState.PAUSED, h.store.find("up").orElseThrow().state());

    VmRecord running = h.pause.resume("up");
    assertEquals(VmState.RUNNING, running.state());
    assertFalse(h.driver.paused.contains(pid()));
    assertEquals(up.startedAt(), running.startedAt(), "a resume is not a boot");
    assertEquals(network, h.host.leases + " " + h.host.taps, "lease and tap kept");
    assertFalse(h.host.leases.isEmpty());
  }

  @Test
  void repeatsAreHarmlessAndDoNotCallTheVmm() throws Exception {
    h.pause.pause("up");
    h.host.calls.clear();
    assertEquals(VmState.PAUSED, h.pause.pause("up").state());
    h.pause.resume("up");
    assertEquals(VmState.RUNNING, h.pause.resume("up").state());
    assertEquals(java.util.List.of("resume"), h.host.calls, "one VMM call for two requests each");
  }

  @Test
  void aVmThatIsNotRunningIsRefusedByItsState() throws Exception {
    h.recordVm("idle", VmState.STOPPED);
    VmProblem p = assertThrows(VmProblem.class, () -> h.pause.pause("idle"));
    assertEquals(VmProblem.Kind.FAILED_PRECONDITION, p.kind());
    assertEquals("vm \"idle\" is stopped: only a running VM can be paused", p.getMessage());
    VmProblem r = assertThrows(VmProblem.class, () -> h.pause.resume("idle"));
    assertTrue(r.getMessage().contains("banger vm start idle"), r.getMessage());
    assertThrows(VmProblem.class, () -> h.pause.pause("ghost"));
  }

  @Test
  void aFailedVmmCallLeavesTheRecordAsItWas() throws Exception {
    h.host.failOn("pause");
    assertThrows(DriverException.class, () -> h.pause.pause("up"));
    assertEquals(VmState.RUNNING, h.store.find("up").orElseThrow().state());
  }

  @Test
  void aPausedVmIsResumedBeforeItsStopAndEndsStopped() throws Exception {
    h.pause.pause("up");
    h.host.calls.clear();
    assertEquals(VmState.STOPPED, h.control.stop("up", 1).state());
    assertEquals("resume", h.host.calls.getFirst(), "resumed first: " + h.host.calls);
    assertTrue(h.host.calls.indexOf("poweroff") > 0, "then the guest is asked: " + h.host.calls);
  }

  @Test
  void aPausedVmRefusesAStartAndSaysHowToResumeIt() throws Exception {
    h.pause.pause("up");
    VmProblem p = assertThrows(VmProblem.class, () -> h.lifecycle.start("up", QUIET, () -> false));
    assertEquals("vm \"up\" is paused: resume it (banger vm resume up)", p.getMessage());
    VmProblem exec =
        VmProblems.notRunning("up", VmState.PAUSED, "a command runs only in a running VM");
    assertTrue(exec.getMessage().endsWith("resume it (banger vm resume up)"), exec.getMessage());
  }

  @Test
  void aPausedVmWhoseVmmDiedIsStoppedNotResumed() throws Exception {
    h.pause.pause("up");
    h.host.vmms.remove(pid());
    VmProblem p = assertThrows(VmProblem.class, () -> h.pause.resume("up"));
    assertTrue(p.getMessage().startsWith("vm \"up\" is stopped"), p.getMessage());
    assertEquals(VmState.STOPPED, h.store.find("up").orElseThrow().state());
  }
}
