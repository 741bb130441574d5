package dev.banger.vm.app;

import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.ports.NetPort;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.store.VmRecord;

/**
 * Ends a VM's boot and gives back its per-boot resources: the VMM (the one vm-service holds, and
 * any other VMM of this VM's run directory the host still runs, such as one launched just before a
 * crash), the tap and the handles file. Idempotent: a VM with nothing left is a no-op.
 */
public final class BootRelease {

  private final VmRuntime runtime;
  private final NetPort net;
  private final VmmScan scan;

  public BootRelease(VmRuntime runtime, NetPort net, VmmScan scan) {
    this.runtime = runtime;
    this.net = net;
    this.scan = scan;
  }

  public void release(VmRecord v, RunningVm vmm) throws Exception {
    if (vmm != null && vmm.alive()) {
      vmm.kill();
      vmm.awaitExit(VmmScan.EXIT_WAIT);
    }
    scan.stopAll(v.id(), VmmScan.EXIT_WAIT);
    runtime.remove(v.id());
    net.releaseTap(v.id());
    HandlesFile.remove(runtime.paths().vmDir(v.id()));
  }
}
