package dev.banger.net;

import dev.banger.net.host.Ip;
import dev.banger.net.host.LinkInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up: make the host match the database after a crash, a kill -9 or a reboot.
 *
 * <ol>
 *   <li>Nothing at all when no bridge was ever set up: a net-service that was never asked to build
 *       a network does not touch the host (a throwaway {@code bangerd --all} stays harmless).
 *   <li>Every recorded bridge is ensured (made again after a reboot, given its address, set up).
 *   <li>This installation's clone namespaces: kept when their VM has a lease and its tap is inside
 *       (the tap is adopted), else deleted ({@link CloneNetworks#reconcile}).
 *   <li>Taps carrying this installation's mark: a VM's tap whose VM has a lease is kept
 *       (re-attached and set up if needed); one without a lease, a duplicate, or one that is not a
 *       tap is deleted. Warm taps are kept if still owned by the pool owner and untouched, else
 *       deleted. Links without our mark are not looked at twice.
 *   <li>The NAT table is rebuilt from the leases; then the pool refills in the background.
 * </ol>
 *
 * A step that fails is logged and the rest still runs; the RPCs then report what is wrong.
 */
final class Reconciler {

  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);

  private final Ip ip;
  private final TapMarks marks;
  private final Bridges bridges;
  private final Leases leases;
  private final Taps taps;
  private final CloneNetworks clones;
  private final TapPool pool;
  private final VmNetworking vms;

  Reconciler(
      Ip ip,
      TapMarks marks,
      Bridges bridges,
      Leases leases,
      Taps taps,
      CloneNetworks clones,
      TapPool pool,
      VmNetworking vms) {
    this.clones = clones;
    this.ip = ip;
    this.marks = marks;
    this.bridges = bridges;
    this.leases = leases;
    this.taps = taps;
    this.pool = pool;
    this.vms = vms;
  }

  record Report(
      int bridgesEnsured,
      int tapsKept,
      int tapsDeleted,
      int poolAdopted,
      int clonesKept,
      int clonesDeleted) {}

  Report run() throws Exception {
    List<BridgeRecord> recorded = bridges.all();
    if (recorded.isEmpty()) {
      LOG.info("reconcile: no bridge set up yet; the host's network is left alone");
      return new Report(0, 0, 0, 0, 0, 0);
    }
    int ensured = 0;
    for (BridgeRecord b : recorded) {
      try {
        bridges.ensure(b.name(), b.cidr());
        ensured++;
      } catch (Exception e) {
        LOG.error("reconcile: bridge {} could not be restored: {}", b.name(), e.getMessage());
      }
    }
    Map<String, Lease> leased = new HashMap<>();
    for (Lease l : leases.all()) {
      leased.put(l.vmId(), l);
    }
    CloneNetworks.Reconciled cloned = new CloneNetworks.Reconciled(0, 0);
    try {
      cloned = clones.reconcile(leased);
    } catch (Exception e) {
      LOG.error("reconcile: clone namespaces could not be listed: {}", e.getMessage());
    }
    int kept = 0;
    int deleted = 0;
    List<String> warm = new ArrayList<>();
    for (LinkInfo l : ip.tunLinks()) {
      TapMarks.Mark mark = marks.read(l.alias());
      if (mark instanceof TapMarks.NotOurs) {
        continue;
      }
      if (mark instanceof TapMarks.VmTap(String vmId)) {
        Lease lease = leased.get(vmId);
        if (l.isTap() && lease != null && taps.of(vmId).isEmpty()) {
          taps.attach(l.name(), lease.bridge(), l);
          taps.adopt(new TapRecord(l.name(), vmId, l.ownerUid(), lease.bridge(), false));
          kept++;
          continue;
        }
        LOG.info(
            "reconcile: deleting tap {} of vm={} ({})",
            l.name(),
            vmId,
            lease == null
                ? "the VM has no lease"
                : !l.isTap() ? "not a tap" : "a second tap for the VM");
      } else if (l.isTap()
          && l.ownerUid() == pool.ownerUid()
          && l.master().isEmpty()
          && !l.up()
          && warm.size() < pool.size()) {
        warm.add(l.name());
        continue;
      } else {
        LOG.info(
            "reconcile: deleting warm tap {} (owner {}, master \"{}\", up {}; pool owner {}, size {})",
            l.name(),
            l.ownerUid(),
            l.master(),
            l.up(),
            pool.ownerUid(),
            pool.size());
      }
      ip.deleteLink(l.name());
      deleted++;
    }
    pool.adopt(warm);
    try {
      vms.rebuildNat();
    } catch (Exception e) {
      LOG.error("reconcile: NAT table could not be rebuilt: {}", e.getMessage());
    }
    pool.activate();
    Report r = new Report(ensured, kept, deleted, warm.size(), cloned.kept(), cloned.deleted());
    LOG.info(
        "reconcile: {} bridge(s) ensured, {} tap(s) kept, {} deleted, {} warm tap(s) adopted,"
            + " {} clone namespace(s) kept, {} deleted",
        ensured,
        kept,
        deleted,
        warm.size(),
        cloned.kept(),
        cloned.deleted());
    return r;
  }
}
