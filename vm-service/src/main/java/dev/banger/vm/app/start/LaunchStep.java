package dev.banger.vm.app.start;

import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.steps.StepContext;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Launches the VMM on the disks and tap, then records its handles. There is no crash window between
 * the two: the VMM's run directory is derived from the VM id and named in its argv, and the VM is
 * durably {@code starting} before this step runs, so a restart that finds a VMM of this state
 * directory without handles ({@link dev.banger.vm.runtime.VmmScan}) knows whose it is and stops it.
 */
public final class LaunchStep implements StartStep {

  public static final String NAME = "launch-vmm";
  private final VmmDriver driver;
  private final VmPaths paths;
  private final VmmScan scan;

  public LaunchStep(VmmDriver driver, VmPaths paths) {
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
    LaunchSpec spec = spec(s, paths, s.lease().mac());
    s.launch(spec);
    // The undo comes first: a launch cancelled or failed after QEMU daemonized has no handle to
    // kill, and its VMM would hold the disks the next undos remove.
    ctx.onUndo("VMM of VM " + s.vm().name(), () -> stop(s, scan, paths));
    s.vmm(driver.launch(spec));
    record(s, paths);
  }

  /** The VMM's configuration for the state's disks and tap, its NIC with {@code mac}. */
  static LaunchSpec spec(StartState s, VmPaths paths, String mac) {
    String id = s.vm().id();
    return LaunchSpec.builder()
        .vmId(id)
        .vcpus(s.vm().vcpu())
        .memoryMib(s.vm().memoryMib())
        .kernel(s.image().kernelFile())
        .initrd(s.image().initrd())
        .rootDisk(Path.of(s.overlayPath()))
        .workDisk(Optional.of(Path.of(s.workDiskPath())))
        .tap(Optional.of(new LaunchSpec.Nic(s.tap(), mac)))
        .runDir(paths.runDir(id))
        .kitDisk(s.image().kit().map(dev.banger.vm.ports.KitBoot::disk))
        .build();
  }

  /**
   * Ends the start's current VMM (the relaunched one, if the boot was restarted), then any other
   * VMM whose argv names this VM's run directory: one a launch started but never handed back.
   */
  static void stop(StartState s, VmmScan scan, VmPaths paths) throws Exception {
    RunningVm vmm = s.launched().orElse(null);
    if (vmm != null) {
      vmm.kill();
      if (!vmm.awaitExit(VmmScan.EXIT_WAIT)) {
        throw new IllegalStateException("VMM pid " + vmm.pid() + " did not exit after SIGKILL");
      }
    }
    scan.stopAll(s.vm().id(), VmmScan.EXIT_WAIT);
    HandlesFile.remove(paths.vmDir(s.vm().id()));
  }

  /** Writes the handles of the state's VMM, atomically, where reconcile reads them. */
  static void record(StartState s, VmPaths paths) throws java.io.IOException {
    Handles h =
        new Handles(
            s.vmm().handle(),
            s.tap(),
            s.lease().ip(),
            s.restoring().map(r -> new Handles.Guest(r.guestIp(), r.guestMac())).orElse(null));
    s.handles(h);
    HandlesFile.write(paths.vmDir(s.vm().id()), h);
  }
}
