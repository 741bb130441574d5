package dev.banger.net;

/**
 * Told about lease changes after they are committed, in order per VM. The .vm DNS server subscribes
 * through {@link LeaseEvents} to keep its A records in step with the leases. Implementations must
 * be quick and must not throw (a throw is logged and ignored: the lease change has already
 * happened).
 */
public interface LeaseListener {

  /** A VM got a lease (also called for every existing lease when the listener subscribes). */
  void leased(Lease lease);

  /** A VM's lease is gone. */
  void released(Lease lease);

  /** A leased VM has a new name; address and MAC are unchanged. */
  void renamed(Lease before, Lease after);
}
