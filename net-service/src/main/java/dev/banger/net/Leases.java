package dev.banger.net;

import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IPv4 leases: one per VM, unique address and MAC, names unique (they become {@code <name>.vm}).
 * Callers hold the VM's lock; choosing an address also takes the allocation lock, so two VMs never
 * get the same address (the UNIQUE constraints are the backstop).
 */
final class Leases {

  private static final Logger LOG = LoggerFactory.getLogger(Leases.class);
  private static final int MAC_ATTEMPTS = 16;

  private final LeaseStore store;
  private final BridgeStore bridges;
  private final LeaseEvents events;
  private final Clock clock;
  private final Duration quarantine;
  private final Object allocation = new Object();

  Leases(
      LeaseStore store, BridgeStore bridges, LeaseEvents events, Clock clock, Duration quarantine) {
    this.store = store;
    this.bridges = bridges;
    this.events = events;
    this.clock = clock;
    this.quarantine = quarantine;
  }

  record Leased(Lease lease, boolean created) {}

  Leased lease(String vmId, String vmName, String bridge) throws Exception {
    Leased l = store.work(() -> leaseInOneConnection(vmId, vmName, bridge));
    if (l.created()) {
      events.leased(l.lease());
    }
    return l;
  }

  private Leased leaseInOneConnection(String vmId, String vmName, String bridge)
      throws SQLException {
    Optional<Lease> existing = store.find(vmId);
    if (existing.isPresent()) {
      Lease l = existing.get();
      if (!l.bridge().equals(bridge)) {
        throw NetArgs.failedPrecondition(
            "LEASE_ON_OTHER_BRIDGE",
            "VM "
                + vmId
                + " already has a lease on bridge "
                + l.bridge()
                + ", not "
                + bridge
                + "; release it first");
      }
      if (!l.vmName().equals(vmName)) {
        throw NetArgs.failedPrecondition(
            "LEASE_NAME_DIFFERS",
            "VM "
                + vmId
                + " is leased under the name "
                + l.vmName()
                + ", not "
                + vmName
                + "; use RenameLease to change it");
      }
      return new Leased(l, false);
    }
    BridgeRecord b =
        bridges
            .find(bridge)
            .orElseThrow(
                () ->
                    NetArgs.failedPrecondition(
                        "BRIDGE_NOT_READY",
                        "bridge " + bridge + " has not been set up; call EnsureBridge first"));
    Lease made;
    synchronized (allocation) {
      refuseTakenName(vmId, vmName);
      long now = clock.millis();
      OptionalInt addr =
          AddressAllocator.pick(
              b.cidr(),
              store.leasedAddresses(bridge),
              store.released(bridge),
              now,
              quarantine.toMillis());
      if (addr.isEmpty()) {
        throw Errors.of(
            Status.RESOURCE_EXHAUSTED.withDescription(
                "every address of "
                    + b.cidr().networkText()
                    + " on bridge "
                    + bridge
                    + " is leased"),
            "ADDRESSES_EXHAUSTED",
            Map.of("bridge", bridge));
      }
      made = new Lease(vmId, vmName, bridge, addr.getAsInt(), b.cidr(), mac(vmId), false);
      store.insert(made);
    }
    LOG.info(
        "leased vm={} name={} ip={} mac={} bridge={}", vmId, vmName, made.ip(), made.mac(), bridge);
    return new Leased(made, true);
  }

  Lease rename(String vmId, String vmName) throws SQLException {
    Lease before = require(vmId);
    if (before.vmName().equals(vmName)) {
      return before;
    }
    synchronized (allocation) {
      refuseTakenName(vmId, vmName);
      store.rename(vmId, vmName);
    }
    Lease after = before.withName(vmName);
    LOG.info("renamed lease vm={} {} -> {}", vmId, before.vmName(), vmName);
    events.renamed(before, after);
    return after;
  }

  /** Deletes the lease (its address goes into quarantine); empty when there was none. */
  Optional<Lease> release(String vmId) throws SQLException {
    Optional<Lease> l = store.find(vmId);
    if (l.isPresent()) {
      synchronized (allocation) {
        store.delete(l.get(), clock.millis());
      }
      LOG.info("released lease vm={} name={} ip={}", vmId, l.get().vmName(), l.get().ip());
      events.released(l.get());
    }
    return l;
  }

  Lease setNat(String vmId, boolean on) throws SQLException {
    Lease l = require(vmId);
    if (l.nat() != on) {
      store.setNat(vmId, on);
    }
    return l.withNat(on);
  }

  Optional<Lease> find(String vmId) throws SQLException {
    return store.find(vmId);
  }

  Lease require(String vmId) throws SQLException {
    return store
        .find(vmId)
        .orElseThrow(
            () ->
                Errors.of(
                    Status.NOT_FOUND.withDescription("VM " + vmId + " has no lease"),
                    "LEASE_NOT_FOUND",
                    Map.of("vm_id", vmId)));
  }

  List<Lease> all() throws SQLException {
    return store.all();
  }

  List<Lease> natted() throws SQLException {
    return store.natted();
  }

  boolean anyOn(String bridge) throws SQLException {
    return store.countOnBridge(bridge) > 0;
  }

  private void refuseTakenName(String vmId, String vmName) throws SQLException {
    Optional<Lease> holder = store.findByName(vmName);
    if (holder.isPresent() && !holder.get().vmId().equals(vmId)) {
      throw Errors.of(
          Status.ALREADY_EXISTS.withDescription(
              "the name " + vmName + " is leased to VM " + holder.get().vmId()),
          "LEASE_NAME_TAKEN",
          Map.of("vm_name", vmName));
    }
  }

  private String mac(String vmId) throws SQLException {
    for (int attempt = 0; attempt < MAC_ATTEMPTS; attempt++) {
      String mac = MacAddresses.forVm(vmId, attempt);
      if (!store.macInUse(mac)) {
        return mac;
      }
      LOG.warn(
          "MAC {} for vm={} is taken by another lease; trying attempt {}", mac, vmId, attempt + 1);
    }
    throw new IllegalStateException(
        "no free MAC for VM " + vmId + " after " + MAC_ATTEMPTS + " attempts");
  }
}
