package dev.banger.net;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.net.Ipv4Cidr;
import java.util.List;
import java.util.Optional;

/**
 * The operations behind the RPCs, each under the lock of what it changes (the VM, or the bridge),
 * so calls for different VMs run in parallel while repeats for one VM queue up and find the work
 * done. Arguments arrive validated.
 */
final class VmNetworking {

  private final Bridges bridges;
  private final Leases leases;
  private final Taps taps;
  private final TapPool pool;
  private final Nat nat;
  private final KeyedLocks locks = new KeyedLocks();
  private final Nat.Source natSource;
  private final BridgeWatcher watcher;

  /**
   * Told when a bridge is up (ensured) or gone; the .vm DNS server listens on each bridge's
   * address.
   */
  interface BridgeWatcher {
    void bridgeUp(String name, Ipv4Cidr cidr);

    void bridgeDown(String name);
  }

  VmNetworking(
      Bridges bridges, Leases leases, Taps taps, TapPool pool, Nat nat, BridgeWatcher watcher) {
    this.watcher = watcher;
    this.bridges = bridges;
    this.leases = leases;
    this.taps = taps;
    this.pool = pool;
    this.nat = nat;
    this.natSource =
        new Nat.Source() {
          @Override
          public List<Lease> natted() throws Exception {
            return leases.natted();
          }

          @Override
          public List<String> bridges() throws Exception {
            return bridges.all().stream().map(BridgeRecord::name).toList();
          }
        };
  }

  Bridges.Ensured ensureBridge(String name, Ipv4Cidr asked) throws Exception {
    return locks.with(
        "bridge:" + name,
        () -> {
          Bridges.Ensured e = bridges.ensure(name, bridges.addressFor(name, asked));
          pool.activate();
          watcher.bridgeUp(e.bridge().name(), e.bridge().cidr());
          return e;
        });
  }

  Bridges.Removed removeBridge(String name) throws Exception {
    return locks.with(
        "bridge:" + name,
        () -> {
          if (leases.anyOn(name)) {
            throw NetArgs.failedPrecondition(
                "BRIDGE_IN_USE", "bridge " + name + " still has leases; release them first");
          }
          Bridges.Removed r = bridges.remove(name);
          if (r.existed()) {
            watcher.bridgeDown(name);
          }
          if (r.existed() && bridges.all().isEmpty()) {
            pool.drain(); // no network left to serve: leave the host as banger found it
            nat.rebuild(natSource);
          }
          return r;
        });
  }

  Leases.Leased lease(String vmId, String vmName, String bridge) throws Exception {
    return locks.with(vmId, () -> leases.lease(vmId, vmName, bridge));
  }

  Lease rename(String vmId, String vmName) throws Exception {
    return locks.with(vmId, () -> leases.rename(vmId, vmName));
  }

  /**
   * Releases the VM's tap, NAT rule and lease, in that order (so a failure leaves a lease to retry
   * on).
   */
  boolean releaseIp(String vmId) throws Exception {
    return locks.with(
        vmId,
        () -> {
          Optional<Lease> l = leases.find(vmId);
          taps.release(vmId);
          if (l.isEmpty()) {
            return false;
          }
          if (l.get().nat()) {
            setNatLocked(vmId, false);
          }
          leases.release(vmId);
          return true;
        });
  }

  record NatResult(Lease lease, Optional<String> uplink) {}

  NatResult setNat(String vmId, boolean on) throws Exception {
    return locks.with(vmId, () -> setNatLocked(vmId, on));
  }

  private NatResult setNatLocked(String vmId, boolean on) throws Exception {
    Lease before = leases.require(vmId);
    Lease after = leases.setNat(vmId, on);
    try {
      return new NatResult(after, nat.rebuild(natSource));
    } catch (Exception e) {
      leases.setNat(vmId, before.nat()); // nft applies all or nothing: put the flag back to match
      throw e;
    }
  }

  TapRecord acquireTap(String vmId, long owner, String bridge) throws Exception {
    return locks.with(
        vmId,
        () -> {
          Lease l =
              leases
                  .find(vmId)
                  .orElseThrow(
                      () ->
                          NetArgs.failedPrecondition(
                              "LEASE_REQUIRED",
                              "VM " + vmId + " has no lease; call LeaseIp before AcquireTap"));
          if (bridge != null && !bridge.equals(l.bridge())) {
            throw NetArgs.failedPrecondition(
                "LEASE_ON_OTHER_BRIDGE",
                "VM "
                    + vmId
                    + " is leased on bridge "
                    + l.bridge()
                    + "; its tap goes there, not on "
                    + bridge);
          }
          return taps.acquire(vmId, owner, l.bridge());
        });
  }

  boolean releaseTap(String vmId) throws Exception {
    return locks.with(vmId, () -> taps.release(vmId));
  }

  List<TapRecord> taps() {
    return taps.list();
  }

  List<Lease> leases() throws Exception {
    return leases.all();
  }

  /** Rebuilds the NAT table from the leases (start-up). */
  Optional<String> rebuildNat() throws Exception {
    return nat.rebuild(natSource);
  }
}
