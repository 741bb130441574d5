package dev.banger.net;

import dev.banger.kit.concurrent.KeyedLocks;
import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.net.host.LinkInfo;
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
  private final CloneNetworks clones;
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
      Bridges bridges,
      Leases leases,
      Taps taps,
      CloneNetworks clones,
      TapPool pool,
      Nat nat,
      BridgeWatcher watcher) {
    this.watcher = watcher;
    this.clones = clones;
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
          releaseTapLocked(vmId);
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
          Optional<LinkInfo> cloned = clones.tapInside(vmId);
          if (cloned.isPresent()) {
            // Moved into its clone namespace: still the VM's tap, just no longer on the bridge.
            LinkInfo t = cloned.get();
            if (t.ownerUid() != owner) {
              throw Taps.ownerDiffers(vmId, t.name(), t.ownerUid(), owner);
            }
            TapRecord r = new TapRecord(t.name(), vmId, t.ownerUid(), l.bridge(), false);
            taps.adopt(r);
            return r;
          }
          return taps.acquire(vmId, owner, l.bridge());
        });
  }

  boolean releaseTap(String vmId) throws Exception {
    return locks.with(vmId, () -> releaseTapLocked(vmId));
  }

  /**
   * The clone namespace goes first, with the tap if it is in there; it is looked for by name, so a
   * restarted net-service that never saw the VM's tap still removes it.
   */
  private boolean releaseTapLocked(String vmId) throws Exception {
    boolean cloned = clones.remove(vmId);
    return taps.release(vmId) || cloned;
  }

  /** Builds the clone network around the VM's tap for a guest that believes it is {@code guest}. */
  CloneNetworks.Built createCloneNetwork(String vmId, int guest) throws Exception {
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
                              "VM "
                                  + vmId
                                  + " has no lease; call LeaseIp and AcquireTap before"
                                  + " CreateCloneNetwork"));
          NetArgs.guestIpOn(guest, l);
          return clones.create(l, guest);
        });
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
