package dev.banger.vm.app;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.runtime.VmmScan;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reconcile: the store's VMs against what the host runs. The VMMs come from the kernel
 * ({@link VmmScan}: every process naming a run directory of this state directory), not only from
 * handles files, so a VMM launched just before a crash is found too.
 *
 * <ul>
 *   <li>A running VM whose VMM is still the very process its handles name (pid, start time, run
 *       directory) is adopted.
 *   <li>Every other VMM is stopped: one of a VM that was starting or stopping (the restart cut it
 *       short), of a VM at rest or in error, or of a VM that no longer exists. Its disks are then
 *       free for disk-service to edit.
 *   <li>A VM that was starting is marked error, stopping or running-without-VMM stopped; each gets
 *       its per-boot resources (tap, handles) given back, and so does every VM in error (an undo
 *       that failed may have kept its tap). net-service may not be up yet (services start in any
 *       order), so those calls are retried in the background.
 * </ul>
 */
public final class VmReconciler {

  private static final Logger LOG = LoggerFactory.getLogger(VmReconciler.class);

  /** What reconcile did, by VM name. */
  public record Report(List<String> adopted, List<String> released, List<String> vmmsStopped) {}

  private final VmStore store;
  private final VmRuntime runtime;
  private final VmmDriver driver;
  private final BootRelease release;
  private final VmmScan scan;
  private final KeyedLocks locks;

  public VmReconciler(
      VmStore store,
      VmRuntime runtime,
      VmmDriver driver,
      BootRelease release,
      VmmScan scan,
      KeyedLocks locks) {
    this.locks = locks;
    this.store = store;
    this.runtime = runtime;
    this.driver = driver;
    this.release = release;
    this.scan = scan;
  }

  /** Reconciles; the tap releases it schedules run on {@code background}. */
  public Report run(java.util.function.Consumer<Runnable> background) throws Exception {
    Map<String, List<ProcessHandle>> vmms = new HashMap<>();
    for (VmmScan.Found f : scan.all()) {
      vmms.computeIfAbsent(f.vmId(), k -> new ArrayList<>()).add(f.process());
    }
    List<String> adopted = new ArrayList<>();
    List<String> stopped = new ArrayList<>();
    List<VmRecord> toRelease = new ArrayList<>();
    for (VmRecord v : store.list()) {
      List<ProcessHandle> live = vmms.getOrDefault(v.id(), List.of());
      vmms.remove(v.id());
      if (v.state().live()) {
        Optional<Handles> h = handles(v);
        Optional<RunningVm> vmm = h.flatMap(x -> driver.adopt(x.vmm()));
        if (vmm.isPresent()) {
          runtime.put(v.id(), vmm.get(), h.get());
          adopted.add(v.name());
          LOG.info("adopted {} VM {} (VMM pid {})", v.state().column(), v.name(), vmm.get().pid());
          syncPaused(v, vmm.get());
          stopOthers(v, live, vmm.get().pid(), stopped);
          continue;
        }
      }
      stopOthers(v, live, -1, stopped);
      switch (v.state()) {
        case STARTING ->
            store.setState(v.id(), VmState.ERROR, "vm-service restarted while the VM was starting");
        case STOPPING -> store.setState(v.id(), VmState.STOPPED, null);
        case RUNNING, PAUSED ->
            store.setState(v.id(), VmState.STOPPED, "the VMM was gone when vm-service restarted");
        default -> {
          if (v.state() != VmState.ERROR && live.isEmpty()) {
            continue; // at rest and nothing ran: nothing to give back
          }
        }
      }
      toRelease.add(v);
    }
    for (var e : vmms.entrySet()) {
      for (ProcessHandle p : e.getValue()) {
        LOG.warn(
            "reconcile: stopping VMM pid {} of VM {}, which has no record", p.pid(), e.getKey());
        kill(p, e.getKey());
        stopped.add(e.getKey());
      }
    }
    if (!toRelease.isEmpty()) {
      background.accept(() -> releaseWithRetry(toRelease));
    }
    return new Report(adopted, toRelease.stream().map(VmRecord::name).toList(), stopped);
  }

  private Optional<Handles> handles(VmRecord v) {
    try {
      return HandlesFile.read(runtime.paths().vmDir(v.id()));
    } catch (IOException e) {
      LOG.warn("VM {}: {}", v.name(), e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * The record follows the VMM: a vm-service that died between a pause (or resume) and recording it
   * left the other state on record. A VMM that cannot say keeps the record as it is.
   */
  private void syncPaused(VmRecord v, RunningVm vmm) throws java.sql.SQLException {
    String status;
    try {
      status = vmm.status();
    } catch (dev.banger.vm.driver.DriverException e) {
      LOG.info("state of adopted VM {} not checked: {}", v.name(), e.getMessage());
      return;
    }
    // Anything but running is a guest whose vCPUs do not run: QEMU's "paused", "postmigrate"
    // (its state was just saved), "io-error" (paused on a full disk), Firecracker's "Paused".
    boolean paused = !status.equalsIgnoreCase("running");
    if (paused != (v.state() == VmState.PAUSED)) {
      store.setPaused(v.id(), paused);
      LOG.info("VM {} was recorded {} but its VMM is {}", v.name(), v.state().column(), status);
    }
  }

  /** Stops every VMM of {@code v} but the adopted one ({@code keep}; -1 for none). */
  private void stopOthers(VmRecord v, List<ProcessHandle> live, long keep, List<String> stopped) {
    for (ProcessHandle p : live) {
      if (p.pid() == keep) {
        continue;
      }
      LOG.warn(
          "reconcile: stopping VMM pid {} of VM {} ({}): no boot of it is under way",
          p.pid(),
          v.name(),
          v.state().column());
      kill(p, v.id());
      stopped.add(v.name());
    }
  }

  private static void kill(ProcessHandle p, String vmId) {
    try {
      VmmScan.stop(List.of(p), vmId, VmmScan.EXIT_WAIT);
    } catch (IllegalStateException | InterruptedException e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      LOG.warn("reconcile: VMM pid {} did not exit after SIGKILL: {}", p.pid(), e.toString());
    }
  }

  private void releaseWithRetry(List<VmRecord> vms) {
    for (VmRecord v : vms) {
      for (int attempt = 1; ; attempt++) {
        try {
          // Under the VM's lock and only while it is still at rest: a start that came in since
          // owns its new tap and VMM.
          boolean done =
              locks.with(
                  v.id(),
                  () -> {
                    Optional<VmRecord> now = store.find(v.id());
                    if (now.isEmpty()
                        || !now.get().state().atRest()
                        || runtime.get(v.id()).isPresent()) {
                      return false;
                    }
                    release.release(now.get(), null);
                    return true;
                  });
          if (done) {
            LOG.info("reconcile: released the boot resources of VM {}", v.name());
          }
          break;
        } catch (Exception e) {
          if (attempt >= 30) {
            LOG.warn("reconcile: could not release the tap of VM {}: {}", v.name(), e.getMessage());
            break;
          }
          try {
            Thread.sleep(1000);
          } catch (InterruptedException ie) {
            return;
          }
        }
      }
    }
  }
}
