package dev.banger.vm.ports;

/**
 * A VM's IPv4 lease as net-service gave it.
 *
 * @param created true when this call made the lease (an undo then gives it back); false when the VM
 *     already held it (a later start), which a failed start must keep
 */
public record Lease(
    String ip, int prefixLength, String gateway, String dnsServer, String mac, boolean created) {}
