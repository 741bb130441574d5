package dev.banger.net;

import dev.banger.kit.grpc.Errors;
import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.net.host.Ip;
import dev.banger.net.host.IpBatch;
import dev.banger.net.host.LinkInfo;
import dev.banger.net.host.Netns;
import io.grpc.Status;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clone's network (docs/snapshots.md "Identity of clones", docs/net-service.md "Clone networks").
 * A VM restored from a snapshot believes it still has the source's address S and MAC, and many
 * clones of one snapshot run at once, so each gets a namespace of its own that its tap (already
 * open by its VMM) moves into. A veth joins the namespace to the lease's bridge, holding the
 * lease's address U; nftables there translates U to S and back ({@link CloneRuleset}), and proxy
 * ARP on the tap answers the guest for every address it asks about. The bridge, DNS and NAT only
 * ever see U. Deleting the namespace takes the veth and the tap with it. Callers hold the VM's
 * lock.
 */
final class CloneNetworks {

  private static final Logger LOG = LoggerFactory.getLogger(CloneNetworks.class);

  private final Ip ip;
  private final Netns netns;
  private final TapMarks marks;
  private final Taps taps;

  CloneNetworks(Ip ip, Netns netns, TapMarks marks, Taps taps) {
    this.ip = ip;
    this.netns = netns;
    this.marks = marks;
    this.taps = taps;
  }

  record Built(String namespace, String ip) {}

  /**
   * Builds the clone network of the lease's VM around its tap, for a guest at {@code guest}
   * (checked against the lease by the caller); the same answer when it is already built.
   */
  Built create(Lease lease, int guest) throws Exception {
    String vmId = lease.vmId();
    String ns = marks.cloneNamespace(vmId);
    if (netns.exists(ns)) {
      Optional<CloneRuleset.Read> built = readBuilt(ns, vmId);
      if (built.isPresent() && built.get().leaseIp() == lease.address()) {
        if (built.get().guestIp() != guest) {
          throw NetArgs.failedPrecondition(
              "CLONE_GUEST_IP_DIFFERS",
              "VM "
                  + vmId
                  + " already has a clone network for guest address "
                  + Ipv4Cidr.format(built.get().guestIp())
                  + ", not "
                  + Ipv4Cidr.format(guest)
                  + "; release its tap first");
        }
        return new Built(ns, lease.ip());
      }
      // Killed while building, or left by a net-service whose mount namespace held it: start over.
      LOG.warn("clone namespace {} of vm={} is not complete; removing it", ns, vmId);
      removeNamespace(ns);
    }
    TapRecord tap =
        taps.of(vmId)
            .orElseThrow(
                () ->
                    tapRequired(
                        "VM " + vmId + " has no tap; call AcquireTap before CreateCloneNetwork"));
    Optional<LinkInfo> link = ip.link(tap.name());
    if (link.isEmpty() || !ownTap(link.get(), vmId)) {
      if (link.isEmpty()) {
        taps.forget(vmId);
      }
      throw tapRequired(
          "VM "
              + vmId
              + "'s tap "
              + tap.name()
              + " is not on the host any more; call AcquireTap again (and restart its VMM)");
    }
    String gatewayMac =
        ip.link(lease.bridge())
            .map(LinkInfo::mac)
            .filter(m -> !m.isEmpty())
            .orElseThrow(
                () ->
                    NetArgs.failedPrecondition(
                        "BRIDGE_NOT_READY",
                        "bridge " + lease.bridge() + " is not on the host; call EnsureBridge"));
    build(lease, guest, tap.name(), ns, gatewayMac);
    LOG.info(
        "clone network {} for vm={}: {} on {} reaches guest {} through tap {}",
        ns,
        vmId,
        lease.ip(),
        lease.bridge(),
        Ipv4Cidr.format(guest),
        tap.name());
    return new Built(ns, lease.ip());
  }

  private void build(Lease lease, int guest, String tap, String ns, String gatewayMac)
      throws Exception {
    String vmId = lease.vmId();
    String veth = TapMarks.cloneVethName(vmId);
    String uplink = TapMarks.CLONE_UPLINK;
    try {
      netns.add(ns);
    } catch (CommandFailedException e) {
      String err = e.result() == null ? "" : e.result().stderrText();
      if (err.contains("Operation not permitted")
          || err.contains("Permission denied")
          || err.contains("Read-only file system")) {
        throw NetArgs.failedPrecondition(
            "CLONE_NETWORK_NOT_PERMITTED",
            "net-service cannot make network namespaces: it needs CAP_SYS_ADMIN, a writable"
                + " /run/netns, and the host's mount namespace (docs/net-service.md, Clone"
                + " networks): "
                + e.getMessage());
      }
      throw failed(vmId, ns, "creating the namespace", e, false);
    }
    String step = "joining it to " + lease.bridge() + " and moving tap " + tap + " in";
    try {
      ip.apply(
          new IpBatch()
              .line("link", "add", veth, "type", "veth", "peer", "name", uplink, "netns", ns)
              .line(
                  "link",
                  "set",
                  "dev",
                  veth,
                  "master",
                  lease.bridge(),
                  "alias",
                  marks.cloneMark(vmId),
                  "up")
              .line("link", "set", "dev", tap, "nomaster")
              .line("link", "set", "dev", tap, "netns", ns));
      step = "addresses and routes inside";
      // The tap carries the bridge's MAC, which the guest's ARP cache most likely holds for its
      // gateway; it carries no address (proxy ARP answers for the whole subnet instead).
      ip.in(ns)
          .apply(
              new IpBatch()
                  .line("link", "set", "dev", "lo", "up")
                  .line(
                      "addr",
                      "add",
                      new Ipv4Cidr(lease.address(), lease.network().prefix()).toString(),
                      "dev",
                      uplink)
                  .line("link", "set", "dev", uplink, "up")
                  .line("route", "add", "default", "via", lease.gateway(), "dev", uplink)
                  .line("link", "set", "dev", tap, "address", gatewayMac, "up")
                  .line("route", "add", Ipv4Cidr.format(guest) + "/32", "dev", tap));
      step = "forwarding and proxy ARP";
      // proxy_delay 0: a proxy answer is otherwise held back up to 0.8 s, on every ARP the guest
      // sends.
      netns.sysctl(
          ns,
          List.of(
              "net.ipv4.ip_forward=1",
              "net.ipv4.conf." + tap + ".proxy_arp=1",
              "net.ipv4.neigh." + tap + ".proxy_delay=0"));
      step = "the address translation";
      // Last on purpose: the table being there is what says "built" to a repeat and to start-up.
      netns.nft(ns, CloneRuleset.render(tap, lease.address(), guest));
    } catch (CommandFailedException | RuntimeException e) {
      LOG.warn("clone network {} of vm={}: {} failed; undoing: {}", ns, vmId, step, e.getMessage());
      boolean tapLost = undo(lease, tap, ns, e);
      if (e instanceof CommandFailedException c
          && step.startsWith("joining")
          && Ip.failedLine(c).orElse(0) == 1
          && c.result().stderrText().contains("File exists")) {
        throw NetArgs.failedPrecondition(
            "CLONE_LINK_TAKEN",
            "another link holds " + veth + ", the name of VM " + vmId + "'s clone veth");
      }
      throw failed(vmId, ns, step, e, tapLost);
    }
  }

  /**
   * Removes a half-built namespace; puts the tap back on its bridge if it never left the host.
   * Returns true when the tap had moved in (and so died with the namespace).
   */
  private boolean undo(Lease lease, String tap, String ns, Exception cause) {
    try {
      removeNamespace(ns);
    } catch (Exception u) {
      LOG.error("clone namespace {} could not be removed: {}", ns, u.getMessage());
      cause.addSuppressed(u);
    }
    try {
      Optional<LinkInfo> l = ip.link(tap);
      if (l.isEmpty()) {
        taps.forget(lease.vmId());
        return true;
      }
      if (ownTap(l.get(), lease.vmId())) {
        taps.attach(tap, lease.bridge(), l.get());
      }
    } catch (Exception u) {
      LOG.error(
          "tap {} could not be checked after a failed clone network: {}", tap, u.getMessage());
      cause.addSuppressed(u);
    }
    return false;
  }

  private static io.grpc.StatusRuntimeException failed(
      String vmId, String ns, String step, Exception e, boolean tapLost) {
    String tool =
        e instanceof CommandFailedException c && c.result() != null
            ? c.result().command().program()
            : "";
    return Errors.of(
        Status.INTERNAL.withDescription(
            "clone network of VM "
                + vmId
                + ": "
                + step
                + " failed: "
                + e.getMessage()
                + "; namespace "
                + ns
                + " removed"
                + (tapLost ? ", and the VM's tap with it" : "")),
        "TOOL_FAILED",
        Map.of("tool", tool, "step", step));
  }

  private static io.grpc.StatusRuntimeException tapRequired(String sentence) {
    return NetArgs.failedPrecondition("TAP_REQUIRED", sentence);
  }

  /** Deletes the VM's clone namespace with the veth and tap in it; false when it had none. */
  boolean remove(String vmId) throws CommandFailedException {
    String ns = marks.cloneNamespace(vmId);
    boolean existed = removeNamespace(ns);
    if (existed) {
      LOG.info("removed clone namespace {} of vm={}", ns, vmId);
    }
    return existed;
  }

  /**
   * The veth goes first, by its end inside: deleting a veth takes both ends at once, while a
   * namespace's own links go only when the kernel gets round to freeing it, which would leave the
   * host end on the bridge for a moment after the call returned.
   */
  private boolean removeNamespace(String ns) throws CommandFailedException {
    if (!netns.exists(ns)) {
      return false;
    }
    try {
      ip.in(ns).deleteLink(TapMarks.CLONE_UPLINK);
    } catch (CommandFailedException e) {
      LOG.info("clone namespace {} cannot be entered (a stale entry); deleting its name", ns);
    }
    netns.delete(ns);
    return true;
  }

  /** The VM's tap when it is inside its clone namespace (for AcquireTap's repeat); else empty. */
  Optional<LinkInfo> tapInside(String vmId) throws IOException {
    String ns = marks.cloneNamespace(vmId);
    if (!netns.exists(ns)) {
      return Optional.empty();
    }
    try {
      return tapIn(ns, vmId);
    } catch (CommandFailedException e) {
      return Optional.empty();
    }
  }

  private Optional<LinkInfo> tapIn(String ns, String vmId)
      throws CommandFailedException, IOException {
    return ip.in(ns).tunLinks().stream().filter(l -> ownTap(l, vmId)).findFirst();
  }

  private boolean ownTap(LinkInfo l, String vmId) {
    return l.isTap() && marks.read(l.alias()) instanceof TapMarks.VmTap v && v.vmId().equals(vmId);
  }

  /** What a built namespace says (its DNAT rule), if it is complete and holds the VM's tap. */
  private Optional<CloneRuleset.Read> readBuilt(String ns, String vmId) {
    try {
      Optional<String> json = netns.nftTableJson(ns, "ip", CloneRuleset.TABLE);
      if (json.isEmpty() || tapIn(ns, vmId).isEmpty()) {
        return Optional.empty();
      }
      return CloneRuleset.read(json.get());
    } catch (CommandFailedException | IOException e) {
      LOG.info("clone namespace {} cannot be read ({})", ns, e.getMessage());
      return Optional.empty();
    }
  }

  record Reconciled(int kept, int deleted) {}

  /**
   * Start-up: this installation's clone namespaces whose VM has a lease, whose tap is inside and
   * whose address translation was written (the last step of a build) are kept (the veth put back on
   * the bridge if it fell off) and their taps adopted; every other one (no lease, no tap, a stale
   * entry) is deleted. Runs before the host's taps are reconciled, so a second tap for a cloned VM
   * counts as the duplicate it is.
   */
  Reconciled reconcile(Map<String, Lease> leased) throws IOException {
    int kept = 0;
    int deleted = 0;
    for (String ns : netns.names()) {
      Optional<String> vm = marks.cloneVm(ns);
      if (vm.isEmpty()) {
        continue;
      }
      String vmId = vm.get();
      Lease lease = leased.get(vmId);
      String why = null;
      Optional<LinkInfo> tap = Optional.empty();
      if (lease == null) {
        why = "the VM has no lease";
      } else {
        try {
          tap = tapIn(ns, vmId);
          if (tap.isEmpty()) {
            why = "the VM's tap is not in it";
          } else if (readBuilt(ns, vmId).isEmpty()) {
            // Killed while building: a later boot would be handed a tap it cannot open.
            why = "it was never finished (no address translation)";
          }
        } catch (CommandFailedException e) {
          why = "it cannot be entered: a stale entry";
        }
      }
      try {
        if (why != null) {
          LOG.info("reconcile: deleting clone namespace {} ({})", ns, why);
          removeNamespace(ns);
          deleted++;
          continue;
        }
        reattachVeth(vmId, lease.bridge());
        taps.adopt(
            new TapRecord(tap.get().name(), vmId, tap.get().ownerUid(), lease.bridge(), false));
        kept++;
      } catch (CommandFailedException | IOException e) {
        LOG.error("reconcile: clone namespace {}: {}", ns, e.getMessage());
      }
    }
    return new Reconciled(kept, deleted);
  }

  private void reattachVeth(String vmId, String bridge) throws CommandFailedException, IOException {
    String veth = TapMarks.cloneVethName(vmId);
    Optional<LinkInfo> l = ip.link(veth);
    if (l.isPresent()
        && l.get().alias().equals(marks.cloneMark(vmId))
        && (!l.get().master().equals(bridge) || !l.get().up())) {
      ip.apply(new IpBatch().line("link", "set", "dev", veth, "master", bridge, "up"));
      LOG.info("reconcile: clone veth {} re-attached to {} and set up", veth, bridge);
    }
  }
}
