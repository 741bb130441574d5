package dev.banger.vm.app.start;

import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.steps.StepContext;

/**
 * Starts the VMM on the copied disks and the VM's tap, loading the snapshot's saved state instead
 * of booting; the guest is left paused until its network is in place. The NIC keeps the snapshot's
 * MAC: the guest's driver has it already. Undone as a launch is.
 */
public final class RestoreStep implements StartStep {

  public static final String NAME = "restore-vmm";
  private final VmmDriver driver;
  private final VmPaths paths;
  private final VmmScan scan;

  public RestoreStep(VmmDriver driver, VmPaths paths) {
    this.driver = driver;
    this.paths = paths;
    this.scan = new VmmScan(paths);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) throws Exception {
    LaunchSpec spec = LaunchStep.spec(s, paths, s.snapshot().guestMac());
    s.launch(spec);
    ctx.onUndo("VMM of VM " + s.vm().name(), () -> LaunchStep.stop(s, scan, paths));
    s.vmm(driver.restore(spec, s.snapshot().directory().resolve("state")));
    LaunchStep.record(s, paths);
  }
}
