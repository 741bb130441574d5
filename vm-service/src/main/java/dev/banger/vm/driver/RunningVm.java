package dev.banger.vm.driver;

import java.time.Duration;

/** A launched VMM process, however it is controlled. */
public interface RunningVm {

  long pid();

  /** What vm-service records to find this VMM again after a restart. */
  VmmHandle handle();

  boolean alive();

  /** The VMM's view of the guest, e.g. "running", "paused", "shutdown". */
  String status() throws DriverException;

  /** Stops the guest's vCPUs; memory and devices stay as they are. Repeating it is harmless. */
  void pause() throws DriverException;

  /** Runs the guest's vCPUs again after {@link #pause}. Repeating it is harmless. */
  void resume() throws DriverException;

  /**
   * Saves the guest's device and memory state into {@code directory} (which must exist and be
   * empty; the files in it are the driver's own) and returns their total size. The guest is left
   * paused: pause it first, so its disks can be copied at the same instant (docs/snapshots.md).
   */
  default long saveState(java.nio.file.Path directory) throws DriverException {
    throw new DriverException("saving a VM's state is not built for this driver");
  }

  /** Asks the guest to power off (ACPI power button); the guest may ignore it. */
  void requestPowerdown() throws DriverException;

  /** Ends the VMM at once (SIGKILL); the guest's disks may need journal recovery afterwards. */
  void kill();

  /**
   * @return true when the VMM exited within {@code timeout}
   */
  boolean awaitExit(Duration timeout) throws InterruptedException;
}
