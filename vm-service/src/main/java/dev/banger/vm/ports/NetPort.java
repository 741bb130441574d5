package dev.banger.vm.ports;

/**
 * What vm-service needs from net-service: the bridge, a lease per VM, a tap per boot, NAT. Every
 * call is idempotent by the VM id, so an undo or a retry after a crash may repeat it safely.
 */
public interface NetPort {

  void ensureBridge();

  Lease leaseIp(String vmId, String vmName);

  void releaseIp(String vmId);

  void enableNat(String vmId);

  /**
   * @return the tap's device name, owned by vm-service's user
   */
  String acquireTap(String vmId);

  void releaseTap(String vmId);

  /**
   * Moves the VM's tap, already open in its VMM, into a network namespace of its own where the
   * restored guest keeps {@code guestIp} (its snapshot's), reached from the bridge at the VM's
   * lease address. Releasing the tap removes the namespace.
   */
  void createCloneNetwork(String vmId, String guestIp);
}
