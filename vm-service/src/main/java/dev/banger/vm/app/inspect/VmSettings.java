package dev.banger.vm.app.inspect;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.config.VmConfig;
import dev.banger.vm.app.VmLookup;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.app.VmProblems;
import dev.banger.vm.store.VmRecord;
import dev.banger.vm.store.VmState;
import dev.banger.vm.store.VmStore;

/**
 * SetVm: a stopped VM's vCPUs, memory and work disk size, changed for its next start. A larger work
 * disk is grown, files kept, by disk-service when the start asks for it at the new size.
 */
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
   * @param workDiskBytes 0 keeps the VM's size; a larger one grows it; a smaller one is refused
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
          if (workDiskBytes != 0 && workDiskBytes < v.workDiskBytes()) {
            throw VmProblem.invalid(
                "work_disk_bytes",
                "the work disk of "
                    + v.name()
                    + " is "
                    + v.workDiskBytes()
                    + " bytes and can only grow (a filesystem with files on it is not shrunk)");
          }
          if (workDiskBytes % 4096 != 0) {
            throw VmProblem.invalid(
                "work_disk_bytes", "work_disk_bytes must be a multiple of 4096");
          }
          int newVcpu = vcpu == 0 ? v.vcpu() : vcpu;
          int newMem = memoryMib == 0 ? v.memoryMib() : memoryMib;
          long newDisk = workDiskBytes == 0 ? v.workDiskBytes() : workDiskBytes;
          try {
            VmConfig.checkSpec("", newVcpu, newMem, newDisk, v.systemOverlayBytes());
          } catch (IllegalArgumentException e) {
            throw VmProblem.invalid("spec", e.getMessage());
          }
          store.setSpec(v.id(), newVcpu, newMem, newDisk);
          return vms.find(v.id());
        });
  }
}
