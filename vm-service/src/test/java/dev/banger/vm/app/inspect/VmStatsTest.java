package dev.banger.vm.app.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.vm.app.AppHarness;
import dev.banger.vm.fakes.FakeHostUsage;
import dev.banger.vm.ports.HostUsage;
import dev.banger.vm.store.VmRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GetVmStats: the VMM's usage while it runs, the disks' real size always. */
class VmStatsTest {

  @TempDir java.nio.file.Path dir;

  @Test
  void aRunningVmReportsItsVmmAndAStoppedOneOnlyItsDisks() throws Exception {
    AppHarness h = new AppHarness(dir);
    FakeHostUsage usage = new FakeHostUsage();
    VmStats stats = new VmStats(h.runtime, usage);
    VmRecord up = h.lifecycle.create(AppHarness.create("up"), (s, m, d, t) -> {}, () -> false);
    long pid = h.runtime.get(up.id()).orElseThrow().vmm().pid();
    usage.processes.put(pid, new HostUsage.ProcessUsage(12.5, 300L << 20));
    usage.allocated.put(h.paths.vmDir(up.id()).resolve("work.ext4"), 7L << 20);
    usage.allocated.put(h.paths.vmDir(up.id()).resolve("rootfs.ext4"), 40L << 20);
    VmStats.Sample s = stats.sample(up);
    assertEquals(12.5, s.cpuSeconds());
    assertEquals(300L << 20, s.memoryRssBytes());
    assertEquals(7L << 20, s.workDiskUsedBytes());
    assertEquals(40L << 20, s.overlayUsedBytes());

    h.control.stop("up", 1);
    VmStats.Sample stopped = stats.sample(h.store.find("up").orElseThrow());
    assertEquals(0, stopped.cpuSeconds());
    assertEquals(0, stopped.memoryRssBytes());
    assertEquals(7L << 20, stopped.workDiskUsedBytes());
  }
}
