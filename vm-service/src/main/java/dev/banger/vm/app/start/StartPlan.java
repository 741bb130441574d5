package dev.banger.vm.app.start;

import dev.banger.kit.config.FileSyncEntry;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.ports.DiskPort;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.ports.NetPort;
import dev.banger.vm.runtime.VmPaths;
import dev.banger.vm.steps.Step;
import dev.banger.vm.steps.StepFailedException;
import dev.banger.vm.steps.StepRunner;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The steps of one VM start, in order, run by {@link StepRunner}: a failure or a cancel runs the
 * undos registered so far, in reverse. Disks and the lease outlive a stop, so their undos are
 * registered only on a VM's first start; the tap and the VMM are per boot and always undone.
 */
public final class StartPlan {

  private final List<StartStep> steps;

  public StartPlan(List<StartStep> steps) {
    this.steps = List.copyOf(steps);
  }

  /** The production plan: lease, overlay, guest config, work disk, tap, VMM, readiness. */
  public static StartPlan standard(
      NetPort net,
      DiskPort disk,
      GuestAccess guest,
      VmmDriver driver,
      VmPaths paths,
      Duration bootTimeout,
      BootWatch.Settings watch,
      List<FileSyncEntry> fileSync) {
    return new StartPlan(
        List.of(
            new LeaseStep(net),
            new OverlayStep(disk),
            new GuestConfigStep(disk),
            new WorkDiskStep(disk, guest, fileSync),
            new TapStep(net),
            new LaunchStep(driver, paths),
            new ReadyStep(guest, driver, paths, bootTimeout, watch)));
  }

  /**
   * The plan of a new VM's first start from a snapshot: lease, disk copies, tap, the VMM restoring
   * the saved state (paused), the clone's network, resume, re-identify. No guest config is written:
   * the guest is already running and would not read it.
   */
  public static StartPlan restore(
      NetPort net,
      DiskPort disk,
      GuestAccess guest,
      VmmDriver driver,
      VmPaths paths,
      Duration readyTimeout) {
    return new StartPlan(
        List.of(
            new LeaseStep(net),
            new CloneDisksStep(disk),
            new TapStep(net),
            new RestoreStep(driver, paths),
            new CloneNetworkStep(net),
            new ResumeGuestStep(),
            new ReidentifyStep(guest, readyTimeout, java.time.Clock.systemUTC())));
  }

  /** The restore plan's stage names. */
  public static final String[] RESTORE_STAGES = {
    LeaseStep.NAME,
    CloneDisksStep.NAME,
    TapStep.NAME,
    RestoreStep.NAME,
    CloneNetworkStep.NAME,
    ResumeGuestStep.NAME,
    ReidentifyStep.NAME
  };

  /** Stage names in order, as Progress events carry them. */
  public String[] stages() {
    return steps.stream().map(StartStep::name).toArray(String[]::new);
  }

  /** The production plan's stage names, for calls that announce them before a plan exists. */
  public static final String[] STAGES = {
    LeaseStep.NAME,
    OverlayStep.NAME,
    GuestConfigStep.NAME,
    WorkDiskStep.NAME,
    TapStep.NAME,
    LaunchStep.NAME,
    ReadyStep.NAME
  };

  /**
   * @return each step's time, when all succeeded; the resources then belong to the VM
   * @throws StepFailedException naming the step and what could not be rolled back
   */
  public List<StepRunner.Timing> run(
      StartState state, StepRunner.Listener listener, BooleanSupplier cancelled)
      throws StepFailedException {
    List<Step> bound =
        steps.stream().map(s -> Step.of(s.name(), ctx -> s.run(state, ctx))).toList();
    return StepRunner.run(bound, listener, cancelled);
  }
}
