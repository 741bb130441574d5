package dev.banger.vm.store;

import java.time.Instant;

/**
 * One row of {@code vms}: the durable facts of a VM. {@code image} and {@code kernel} are the
 * ids image-service gave them when the VM was created (so a renamed or re-pulled image does not
 * change what an existing VM boots).
 */
public record VmRecord(String id, String name, String image, String kernel, int vcpu, int memoryMib,
    long workDiskBytes, long systemOverlayBytes, boolean nat, String driver, VmState state, String stateReason,
    String lastWorkspace, String ipAddress, String macAddress, String createRequestId, Instant createdAt,
    Instant updatedAt, Instant startedAt) {}
