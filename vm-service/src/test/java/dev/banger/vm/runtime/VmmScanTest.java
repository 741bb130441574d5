package dev.banger.vm.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.state.StateLayout;
import dev.banger.vm.fakes.StandInVmm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VMMs are found from the kernel's view of the processes, by the run directory in their argv. */
class VmmScanTest {

  static final String A = "3f0c2a1e-0000-4000-8000-00000000000a";
  static final String B = "3f0c2a1e-0000-4000-8000-00000000000b";

  @TempDir Path dir;

  @Test
  void findsEachVmmOfThisStateDirAndStopsOneVmsOnly() throws Exception {
    VmPaths paths = new VmPaths(StateLayout.under(dir.resolve("state")));
    VmPaths other = new VmPaths(StateLayout.under(dir.resolve("other-state")));
    VmmScan scan = new VmmScan(paths);
    try (StandInVmm a = StandInVmm.start(paths.runDir(A));
        StandInVmm b = StandInVmm.start(paths.runDir(B));
        StandInVmm foreign = StandInVmm.start(other.runDir(A))) {
      List<VmmScan.Found> found = scan.all();
      assertEquals(2, found.size(), found.toString());
      assertEquals(List.of(a.pid()), scan.of(A).stream().map(ProcessHandle::pid).toList());
      assertEquals(List.of(b.pid()), scan.of(B).stream().map(ProcessHandle::pid).toList());

      assertEquals(1, scan.stopAll(A, Duration.ofSeconds(10)));
      assertFalse(a.process.isAlive(), "A's VMM is gone");
      assertTrue(b.process.isAlive(), "B's is not touched");
      assertTrue(foreign.process.isAlive(), "another state dir's is not touched");
      assertEquals(0, scan.stopAll(A, Duration.ofSeconds(10)), "idempotent");
    }
  }

  @Test
  void onlyAnArgumentInsideARunDirOfThisStateDirNamesAVm() {
    VmmScan scan = new VmmScan("/s/run/vms");
    assertTrue(scan.vmOf(ProcessHandle.current()).isEmpty(), "the test JVM names no run dir");
    assertEquals(
        A, scan.vmOfArgs(new String[] {"-pidfile", "/s/run/vms/" + A + "/qemu.pid"}).orElseThrow());
    assertEquals(
        A,
        scan.vmOfArgs(new String[] {"file,id=console,path=/s/run/vms/" + A + "/console.log"})
            .orElseThrow(),
        "inside QEMU's key=value options");
    assertEquals(B, scan.vmOfArgs(new String[] {"--api-sock", "/s/run/vms/" + B}).orElseThrow());
    for (String other :
        List.of(
            "/s/run/vms/" + A + "x/qemu.pid",
            "/s/run/vmsx/" + A + "/q",
            "/s/run/vms/not-a-uuid/q",
            "/t/s/run/vmz/" + A,
            "/x/s/run/vms/" + A + "/qemu.pid",
            "path=/x/s/run/vms/" + A + "/q",
            "/elsewhere/run/vms/" + A.toUpperCase() + "/q")) {
      assertTrue(scan.vmOfArgs(new String[] {other}).isEmpty(), other);
    }
  }
}
