package dev.banger.vm.fakes;

import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.driver.VmmHandle;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A VMM driver whose VMMs are entries in the host's set. It checks a launch as the QEMU driver does
 * (the disks must exist) so a step that hands it a wrong path fails here too.
 */
public final class FakeDriver implements VmmDriver {

  private final FakeHost host;
  private final AtomicLong pids = new AtomicLong(1000);

  /**
   * The next launch starts a real process naming the run directory (as a daemonized QEMU), then
   * fails without handing it back: the window between QEMU's fork and its pid file.
   */
  public volatile boolean orphanThenFail;

  /** What {@link #orphanThenFail} launches made. */
  public final java.util.List<StandInVmm> orphans =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /** A status a VMM reports instead of its own (QEMU's "postmigrate" after a saved state). */
  public final java.util.Map<Long, String> statusOverride =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** VMMs whose vCPUs are stopped ({@link RunningVm#pause}). */
  public final java.util.Set<Long> paused = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public FakeDriver(FakeHost host) {
    this.host = host;
  }

  @Override
  public String name() {
    return "qemu";
  }

  @Override
  public RunningVm launch(LaunchSpec spec) throws DriverException {
    host.call("launch");
    if (orphanThenFail) {
      try {
        orphans.add(StandInVmm.start(spec.runDir()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      throw new DriverException("the VMM daemonized, then its launch was cut short");
    }
    if (!Files.isRegularFile(spec.rootDisk())
        || !Files.isRegularFile(spec.workDisk().orElseThrow())) {
      throw new DriverException("a disk of VM " + spec.vmId() + " does not exist");
    }
    long pid = pids.incrementAndGet();
    host.vmms.add(pid);
    return new Vm(
        new VmmHandle(
            "qemu", pid, Instant.EPOCH, spec.runDir().resolve("qmp.sock"), spec.runDir()));
  }

  /** The specs restores were asked with, in order. */
  public final java.util.List<LaunchSpec> restored =
      java.util.Collections.synchronizedList(new java.util.ArrayList<>());

  /**
   * As a restore does: the saved state must be there (a file of {@link Vm#saveState}), and the
   * guest comes back paused.
   */
  @Override
  public RunningVm restore(LaunchSpec spec, java.nio.file.Path directory) throws DriverException {
    host.call("restore");
    if (!Files.isRegularFile(directory.resolve("fake-state.bin"))) {
      throw new DriverException("the saved state " + directory + " does not exist");
    }
    if (!Files.isRegularFile(spec.rootDisk())
        || !Files.isRegularFile(spec.workDisk().orElseThrow())) {
      throw new DriverException("a disk of VM " + spec.vmId() + " does not exist");
    }
    restored.add(spec);
    long pid = pids.incrementAndGet();
    host.vmms.add(pid);
    paused.add(pid);
    return new Vm(
        new VmmHandle(
            "qemu", pid, Instant.EPOCH, spec.runDir().resolve("qmp.sock"), spec.runDir()));
  }

  @Override
  public Optional<RunningVm> adopt(VmmHandle handle) {
    return host.vmms.contains(handle.pid()) ? Optional.of(new Vm(handle)) : Optional.empty();
  }

  private final class Vm implements RunningVm {
    private final VmmHandle handle;

    Vm(VmmHandle handle) {
      this.handle = handle;
    }

    @Override
    public long pid() {
      return handle.pid();
    }

    @Override
    public VmmHandle handle() {
      return handle;
    }

    @Override
    public boolean alive() {
      return host.vmms.contains(handle.pid());
    }

    @Override
    public String status() {
      if (alive() && statusOverride.containsKey(handle.pid())) {
        return statusOverride.get(handle.pid());
      }
      return !alive() ? "shutdown" : paused.contains(handle.pid()) ? "paused" : "running";
    }

    @Override
    public void pause() throws DriverException {
      vmmCall("pause");
      paused.add(handle.pid());
    }

    @Override
    public void resume() throws DriverException {
      vmmCall("resume");
      paused.remove(handle.pid());
    }

    /** A VMM call as the drivers fail it: a DriverException, also when the VMM is gone. */
    private void vmmCall(String name) throws DriverException {
      if (!alive()) {
        throw new DriverException("the VMM of " + handle.runDir() + " is gone");
      }
      try {
        host.call(name);
      } catch (IllegalStateException e) {
        throw new DriverException(e.getMessage(), e);
      }
    }

    /** A file of the VM's id, as a driver writes its own files into the directory. */
    @Override
    public long saveState(java.nio.file.Path directory) throws DriverException {
      vmmCall("saveState");
      try {
        return java.nio.file.Files.size(
            java.nio.file.Files.writeString(
                directory.resolve("fake-state.bin"), "state of VMM " + handle.pid()));
      } catch (java.io.IOException e) {
        throw new DriverException(e.getMessage(), e);
      }
    }

    @Override
    public void requestPowerdown() {}

    @Override
    public void kill() {
      host.call("kill");
      host.vmms.remove(handle.pid());
    }

    @Override
    public boolean awaitExit(Duration timeout) {
      return !alive();
    }
  }
}
