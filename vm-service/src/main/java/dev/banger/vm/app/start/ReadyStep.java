package dev.banger.vm.app.start;

import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.steps.StepContext;
import java.time.Duration;

/**
 * Waits until the guest answers SSH with its pinned host key, restarting a stalled boot once
 * ({@link BootWatch}). Nothing to undo of its own: the VMM is the launch step's.
 */
public final class ReadyStep implements StartStep {

  public static final String NAME = "ssh-ready";
  private final GuestAccess guest;
  private final VmmDriver driver;
  private final VmPaths paths;
  private final Duration bootTimeout;
  private final BootWatch.Settings watch;

  public ReadyStep(
      GuestAccess guest,
      VmmDriver driver,
      VmPaths paths,
      Duration bootTimeout,
      BootWatch.Settings watch) {
    this.guest = guest;
    this.driver = driver;
    this.paths = paths;
    this.bootTimeout = bootTimeout;
    this.watch = watch;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public void run(StartState s, StepContext ctx) throws Exception {
    String ip = s.lease().ip();
    String name = s.vm().name();
    BootWatch w =
        new BootWatch(watch, BootWatch.Console.file(s.launch().consoleLog()), System::nanoTime);
    w.await(
        name,
        bootTimeout,
        ctx::cancelled,
        (timeout, stop) -> guest.awaitReady(ip, name, timeout, stop),
        () -> relaunch(s));
  }

  private void relaunch(StartState s) throws Exception {
    s.vmm().kill();
    s.vmm().awaitExit(VmmScan.EXIT_WAIT);
    s.vmm(driver.launch(s.launch()));
    LaunchStep.record(s, paths);
  }
}
