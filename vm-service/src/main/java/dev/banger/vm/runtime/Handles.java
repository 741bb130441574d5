package dev.banger.vm.runtime;

import dev.banger.vm.driver.VmmHandle;

/**
 * A running VM's runtime facts (docs/architecture.md §2): what to find again after a vm-service
 * restart. Kept in memory and in {@code vms/<id>/handles.json}; never in SQLite.
 *
 * @param vmm the VMM process (pid + start time + run directory)
 * @param tap the tap net-service gave the VM for this boot
 * @param ip the guest's address, where readiness and stop reach it over SSH
 * @param guest the address and MAC the guest itself holds when they are not the lease's (a VM
 *     restored from a snapshot runs on with the snapshot's, behind its clone network), else null. A
 *     snapshot of this VM records these, since its clones wake with them.
 */
public record Handles(VmmHandle vmm, String tap, String ip, Guest guest) {

  /** The address and MAC inside the guest. */
  public record Guest(String ip, String mac) {}

  /** A booted VM's handles: the guest holds the lease's address. */
  public Handles(VmmHandle vmm, String tap, String ip) {
    this(vmm, tap, ip, null);
  }
}
