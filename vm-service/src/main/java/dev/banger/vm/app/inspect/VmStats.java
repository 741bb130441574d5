package dev.banger.vm.app.inspect;

import dev.banger.vm.ports.HostUsage;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.store.VmRecord;
import java.io.IOException;
import java.time.Instant;

/** GetVmStats: what a VM costs the host right now. */
public final class VmStats {

  /**
   * One sample; CPU and memory are 0 when no VMM runs.
   *
   * @param cpuSeconds the VMM's user + system CPU time since it started
   */
  public record Sample(
      Instant sampledAt,
      double cpuSeconds,
      long memoryRssBytes,
      long workDiskUsedBytes,
      long overlayUsedBytes) {}

  private final VmRuntime runtime;
  private final HostUsage host;

  public VmStats(VmRuntime runtime, HostUsage host) {
    this.runtime = runtime;
    this.host = host;
  }

  public Sample sample(VmRecord v) throws IOException {
    Instant now = Instant.now();
    HostUsage.ProcessUsage p = new HostUsage.ProcessUsage(0, 0);
    var entry = runtime.get(v.id());
    if (entry.isPresent() && entry.get().vmm().alive()) {
      p = host.process(entry.get().vmm().pid()).orElse(p);
    }
    return new Sample(
        now,
        p.cpuSeconds(),
        p.rssBytes(),
        host.allocatedBytes(runtime.paths().vmDir(v.id()).resolve("work.ext4")),
        host.allocatedBytes(runtime.paths().vmDir(v.id()).resolve("rootfs.ext4")));
  }
}
