package dev.banger.vm.app;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.ports.GuestAccess;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Stop, kill and delete: the operations that end a VM's boot or the VM itself. */
public final class VmControl {

  private static final Logger LOG = LoggerFactory.getLogger(VmControl.class);

  /** After SSH poweroff and after ACPI powerdown, before the kill. */
  static final Duration POWERDOWN_GRACE = Duration.ofSeconds(5);

  private final VmStore store;
  private final VmLookup lookup;
  private final VmRuntime runtime;
  private final VmLifecycle lifecycle;
  private final BootRelease release;
  private final VmRemoval removal;
  private final GuestAccess access;
  private final VmConfig config;
  private final KeyedLocks locks;

  /** Everything stop, kill and delete need. */
  public record Parts(
      VmStore store,
      VmRuntime runtime,
      VmLifecycle lifecycle,
      BootRelease release,
      VmRemoval removal,
      GuestAccess access,
      VmConfig config,
      KeyedLocks locks) {}

  public VmControl(Parts p) {
    this.store = p.store();
    this.lookup = new VmLookup(p.store());
    this.runtime = p.runtime();
    this.lifecycle = p.lifecycle();
    this.release = p.release();
    this.removal = p.removal();
    this.access = p.access();
    this.config = p.config();
    this.locks = p.locks();
  }

  /**
   * Graceful stop: {@code systemctl poweroff} over SSH (always works on systemd guests), then the
   * VMM's power button, then a kill, each bounded. A VM at rest is returned as it is.
   */
  public VmRecord stop(String ref, int timeoutSeconds) throws Exception {
    VmRecord vm = lookup.find(ref);
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = refresh(lookup.find(vm.id()));
          if (v.state().atRest()) {
            return v;
          }
          Duration timeout =
              Duration.ofSeconds(
                  timeoutSeconds > 0 ? timeoutSeconds : config.stopTimeoutSecondsOrDefault());
          boolean wasPaused = v.state() == VmState.PAUSED;
          store.setState(v.id(), VmState.STOPPING, null);
          RunningVm vmm = runtime.get(v.id()).map(VmRuntime.Entry::vmm).orElse(null);
          String how = "was not running";
          if (vmm != null && vmm.alive()) {
            if (wasPaused) {
              resumeToStop(v, vmm);
            }
            how = shutDown(v, vmm, timeout);
          }
          release.release(v, vmm);
          store.setState(v.id(), VmState.STOPPED, null);
          LOG.info("stopped VM {} ({})", v.name(), how);
          return lookup.find(v.id());
        });
  }

  /**
   * A paused guest can answer neither SSH nor the power button, so it runs again first; if even
   * that fails, the shutdown below ends in the kill.
   */
  private static void resumeToStop(VmRecord v, RunningVm vmm) {
    try {
      vmm.resume();
    } catch (DriverException e) {
      LOG.info("paused VM {} not resumed before its stop: {}", v.name(), e.getMessage());
    }
  }

  private String shutDown(VmRecord v, RunningVm vmm, Duration timeout) throws Exception {
    if (v.ipAddress() != null
        && access.poweroff(v.ipAddress(), v.name())
        && vmm.awaitExit(timeout)) {
      return "guest powered off";
    }
    try {
      vmm.requestPowerdown();
      if (vmm.awaitExit(POWERDOWN_GRACE)) {
        return "VMM power button";
      }
    } catch (DriverException e) {
      LOG.info("power button of VM {} not pressed: {}", v.name(), e.getMessage());
    }
    vmm.kill();
    vmm.awaitExit(Duration.ofSeconds(10));
    return "killed after " + timeout.toSeconds() + " s";
  }

  /**
   * Kills the VMM at once; the guest gets no chance to sync (its journal is replayed before the
   * next edit).
   */
  public VmRecord kill(String ref) throws Exception {
    VmRecord vm = lookup.find(ref);
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = lookup.find(vm.id());
          RunningVm vmm = runtime.get(v.id()).map(VmRuntime.Entry::vmm).orElse(null);
          if (v.state().atRest() && vmm == null) {
            return v;
          }
          release.release(v, vmm);
          store.setState(v.id(), VmState.STOPPED, "killed");
          return lookup.find(v.id());
        });
  }

  /**
   * Removes the VM and everything it holds: VMM (with force), lease (and with it tap and NAT),
   * disks, pin, record. A forced delete of a VM that is starting cancels the start (its undos run)
   * instead of waiting for the boot.
   */
  public void delete(String ref, boolean force) throws Exception {
    VmRecord vm = lookup.find(ref);
    if (force && lifecycle.cancelStart(vm.id())) {
      LOG.info("delete --force of VM {}: cancelling its start", vm.name());
    }
    locks.with(
        vm.id(),
        () -> {
          VmRecord v = refresh(lookup.find(vm.id()));
          RunningVm vmm = runtime.get(v.id()).map(VmRuntime.Entry::vmm).orElse(null);
          if (!v.state().atRest() || vmm != null) {
            if (!force) {
              throw VmProblems.wrongState(
                  v.name(), v.state().column(), "stop it first, or delete with --force");
            }
          }
          // Also for a VM at rest: a VMM of its run directory may have outlived a crash.
          release.release(v, vmm);
          removal.remove(v);
          return null;
        });
  }

  /** What a prune did: the VMs it deleted, and those at rest it left because others own them. */
  public record Pruned(java.util.List<String> deleted, java.util.List<String> keptOtherOwners) {}

  /**
   * Deletes the caller's VMs at rest (created, stopped, error); running ones are left alone.
   *
   * @param callerUid whose VMs these are; a VM with no recorded owner is nobody's but matches a
   *     caller that came with none (a call from inside the process)
   * @param allOwners every VM at rest, whoever created it
   */
  public Pruned prune(Integer callerUid, boolean allOwners) throws Exception {
    java.util.List<String> deleted = new java.util.ArrayList<>();
    java.util.List<String> kept = new java.util.ArrayList<>();
    for (VmRecord v : store.list()) {
      if (!refresh(v).state().atRest()) {
        continue;
      }
      if (!allOwners && !java.util.Objects.equals(v.ownerUid(), callerUid)) {
        kept.add(v.name());
        continue;
      }
      try {
        delete(v.id(), false);
        deleted.add(v.name());
      } catch (VmProblem raced) {
        // Deleted or started by another call since the list: not this prune's to delete.
        if (raced.kind() != VmProblem.Kind.NOT_FOUND
            && raced.kind() != VmProblem.Kind.FAILED_PRECONDITION) {
          throw raced;
        }
      }
    }
    return new Pruned(deleted, kept);
  }

  /**
   * A VM recorded as running or paused whose VMM is gone (killed, crashed, powered off from inside)
   * is stopped: its tap and handles go, its state says so.
   */
  public VmRecord refresh(VmRecord vm) throws Exception {
    if (!vm.state().live() || runtime.get(vm.id()).map(e -> e.vmm().alive()).orElse(false)) {
      return vm;
    }
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = lookup.find(vm.id());
          var entry = runtime.get(v.id());
          if (!v.state().live() || (entry.isPresent() && entry.get().vmm().alive())) {
            return v;
          }
          LOG.info("VMM of VM {} is gone; marking it stopped", v.name());
          release.release(v, null);
          store.setState(v.id(), VmState.STOPPED, "the VMM exited (guest poweroff, crash or kill)");
          return lookup.find(v.id());
        });
  }
}
