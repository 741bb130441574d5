package dev.banger.vm.app;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.runtime.VmRuntime;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pause and resume: the guest's vCPUs stopped and run again, its VMM, memory, tap and lease kept
 * (docs/vm-service.md, "Pause"). Each is idempotent: pausing a paused VM or resuming a running one
 * returns it as it is. The VMM is told first and the state recorded second, so a failed VMM call
 * leaves the record as it was; a vm-service that dies between the two finds the truth again by
 * asking the adopted VMM ({@link VmReconciler}).
 */
public final class VmPause {

  private static final Logger LOG = LoggerFactory.getLogger(VmPause.class);

  private final VmStore store;
  private final VmLookup lookup;
  private final VmRuntime runtime;
  private final VmControl control;
  private final KeyedLocks locks;

  public VmPause(VmStore store, VmRuntime runtime, VmControl control, KeyedLocks locks) {
    this.store = store;
    this.lookup = new VmLookup(store);
    this.runtime = runtime;
    this.control = control;
    this.locks = locks;
  }

  public VmRecord pause(String ref) throws Exception {
    return change(ref, true);
  }

  public VmRecord resume(String ref) throws Exception {
    return change(ref, false);
  }

  private VmRecord change(String ref, boolean pause) throws Exception {
    VmRecord vm = lookup.find(ref);
    return locks.with(
        vm.id(),
        () -> {
          // A VMM that died since (a guest poweroff, a crash) makes the VM stopped first, so the
          // refusal below names the state the user will find.
          VmRecord v = control.refresh(lookup.find(vm.id()));
          VmState target = pause ? VmState.PAUSED : VmState.RUNNING;
          if (v.state() == target) {
            return v;
          }
          if (!v.state().live()) {
            throw VmProblems.wrongState(
                v.name(),
                v.state().column(),
                pause
                    ? "only a running VM can be paused"
                    : "only a paused VM can be resumed; start it (banger vm start "
                        + v.name()
                        + ")");
          }
          RunningVm vmm = runtime.vmmOf(v.id(), v.name());
          if (pause) {
            vmm.pause();
          } else {
            vmm.resume();
          }
          store.setPaused(v.id(), pause);
          LOG.info("{} VM {}", pause ? "paused" : "resumed", v.name());
          return lookup.find(v.id());
        });
  }
}
