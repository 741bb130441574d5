package dev.banger.vm.runtime;

import dev.banger.vm.driver.VmmHandle;

/**
 * A running VM's runtime facts (docs/architecture.md §2): what to find again after a vm-service
 * restart. Kept in memory and in {@code vms/<id>/handles.json}; never in SQLite.
 *
 * @param vmm the VMM process (pid + start time + run directory)
 * @param tap the tap net-service gave the VM for this boot
 * @param ip the guest's address, where readiness and stop reach it over SSH
 */
public record Handles(VmmHandle vmm, String tap, String ip) {}
