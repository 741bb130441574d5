package dev.banger.vm.driver;

/**
 * A virtual machine monitor banger can drive (docs/architecture.md §4): QEMU here; Firecracker
 * behind the same interface later. A driver launches a VMM for a validated {@link LaunchSpec} and
 * hands back a {@link RunningVm}; readiness (SSH) and the steps around it belong to vm-service.
 */
public interface VmmDriver {

  /** "qemu" or "firecracker", as config and doctor name it. */
  String name();

  /**
   * Starts the VMM and returns once it runs the guest. On failure nothing is left running and the
   * exception says why (the VMM's own words when it refused the configuration).
   */
  RunningVm launch(LaunchSpec spec) throws DriverException;

  /**
   * Starts a VMM for {@code spec} that loads {@code state} (a {@link RunningVm#saveState} of a VM
   * of the same shape) instead of booting, and returns the restored guest paused: the caller
   * finishes what must be in place before the guest runs on (a clone's network), then {@link
   * RunningVm#resume}s it. On failure nothing is left running.
   */
  default RunningVm restore(LaunchSpec spec, java.nio.file.Path state) throws DriverException {
    throw new DriverException("restoring a VM's state is not built for the " + name() + " driver");
  }

  /**
   * Re-attaches to a VMM this driver launched before (vm-service restarted while it ran). Empty
   * when that process is gone or is no longer the one launched ({@link VmmHandle#liveProcess}).
   */
  java.util.Optional<RunningVm> adopt(VmmHandle handle);
}
