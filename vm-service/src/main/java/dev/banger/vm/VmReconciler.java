package dev.banger.vm;

import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmDriver;
import dev.banger.vm.runtime.Handles;
import dev.banger.vm.runtime.HandlesFile;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up reconcile (DESIGN.md §2): every VM the store says is running, starting or stopping
 * is matched against its handles file and the host. A running VM whose VMM is still that very
 * process (pid + start time + run directory) is adopted; anything else is marked stopped (or
 * error, for a start the restart cut short) and its per-boot resources are given back. The
 * net-service calls that give back taps may find net-service not up yet (services start in any
 * order), so they are retried in the background.
 */
final class VmReconciler {

  private static final Logger LOG = LoggerFactory.getLogger(VmReconciler.class);

  record Report(List<String> adopted, List<String> stopped) {}

  private final VmStore store;
  private final VmRuntime runtime;
  private final VmmDriver driver;
  private final VmLifecycle lifecycle;

  VmReconciler(VmStore store, VmRuntime runtime, VmmDriver driver, VmLifecycle lifecycle) {
    this.store = store;
    this.runtime = runtime;
    this.driver = driver;
    this.lifecycle = lifecycle;
  }

  Report run() throws Exception {
    List<String> adopted = new ArrayList<>();
    List<VmRecord> release = new ArrayList<>();
    for (VmRecord v : store.inStates(VmState.RUNNING, VmState.STARTING, VmState.STOPPING)) {
      Optional<Handles> h;
      try {
        h = HandlesFile.read(runtime.paths().vmDir(v.id()));
      } catch (java.io.IOException e) {
        LOG.warn("VM {}: {}", v.name(), e.getMessage());
        h = Optional.empty();
      }
      Optional<RunningVm> vmm = h.flatMap(x -> driver.adopt(x.vmm()));
      if (vmm.isPresent() && v.state() == VmState.RUNNING) {
        runtime.put(v.id(), vmm.get(), h.get());
        adopted.add(v.name());
        LOG.info("adopted running VM {} (VMM pid {})", v.name(), vmm.get().pid());
        continue;
      }
      if (vmm.isPresent()) { // a start or stop the restart interrupted: finish it as a stop
        vmm.get().kill();
        vmm.get().awaitExit(Duration.ofSeconds(10));
      }
      String reason = v.state() == VmState.STARTING ? "vm-service restarted while the VM was starting"
          : vmm.isEmpty() && v.state() == VmState.RUNNING ? "the VMM was gone when vm-service restarted" : null;
      store.setState(v.id(), v.state() == VmState.STARTING ? VmState.ERROR : VmState.STOPPED, reason);
      release.add(v);
    }
    if (!release.isEmpty()) {
      Thread.ofVirtual().name("vm-reconcile").start(() -> releaseWithRetry(release));
    }
    return new Report(adopted, release.stream().map(VmRecord::name).toList());
  }

  private void releaseWithRetry(List<VmRecord> vms) {
    for (VmRecord v : vms) {
      for (int attempt = 1; ; attempt++) {
        try {
          lifecycle.releaseBoot(v, null);
          LOG.info("reconcile: released the boot resources of VM {}", v.name());
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
