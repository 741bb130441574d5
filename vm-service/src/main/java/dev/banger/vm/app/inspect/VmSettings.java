package dev.banger.vm.app.inspect;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.app.VmProblems;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;
import java.util.Map;

/** SetVm: a stopped VM's vCPUs and memory, changed for its next start. */
public final class VmSettings {

  private final VmStore store;
  private final VmLookup vms;
  private final KeyedLocks locks;

  public VmSettings(VmStore store, VmLookup vms, KeyedLocks locks) {
    this.store = store;
    this.vms = vms;
    this.locks = locks;
  }

  /**
   * @param vcpu 0 keeps the VM's count
   * @param memoryMib 0 keeps the VM's size
   * @param workDiskBytes 0 or the VM's size; anything else is refused (growing is not built)
   */
  public VmRecord set(String vmRef, int vcpu, int memoryMib, long workDiskBytes) throws Exception {
    VmRecord vm = vms.find(vmRef);
    return locks.with(
        vm.id(),
        () -> {
          VmRecord v = vms.find(vm.id());
          if (!v.state().atRest() && v.state() != VmState.ERROR) {
            throw VmProblems.wrongState(
                v.name(), v.state().column(), "stop it before changing its spec");
          }
          if (workDiskBytes != 0 && workDiskBytes != v.workDiskBytes()) {
            throw new VmProblem(
                VmProblem.Kind.UNIMPLEMENTED,
                "NOT_YET_IMPLEMENTED",
                "growing the work disk of an existing VM is not built yet (it needs a"
                    + " disk-service GrowWorkDisk call)",
                Map.of("field", "work_disk_bytes"));
          }
          int newVcpu = vcpu == 0 ? v.vcpu() : vcpu;
          int newMem = memoryMib == 0 ? v.memoryMib() : memoryMib;
          try {
            VmConfig.checkSpec("", newVcpu, newMem, v.workDiskBytes(), v.systemOverlayBytes());
          } catch (IllegalArgumentException e) {
            throw VmProblem.invalid("spec", e.getMessage());
          }
          store.setSpec(v.id(), newVcpu, newMem, v.workDiskBytes());
          return vms.find(v.id());
        });
  }
}
