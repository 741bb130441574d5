package dev.banger.net;

import dev.banger.kit.process.CommandFailedException;
import dev.banger.net.host.Ip;
import dev.banger.net.host.IpBatch;
import dev.banger.net.host.LinkInfo;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One tap per VM: persistent, owned by the VMM's uid (so it opens the tap unprivileged), attached
 * to the lease's bridge, up, marked with the VM's id. From the warm pool when the owner matches,
 * else made on the spot; both are one ip batch. Release deletes the tap (it is never returned to
 * the pool: a VMM that still holds it open would share it with the next VM). Callers hold the VM's
 * lock.
 */
final class Taps {

  private static final Logger LOG = LoggerFactory.getLogger(Taps.class);

  private final Ip ip;
  private final TapMarks marks;
  private final TapPool pool;
  private final Map<String, TapRecord> byVm = new ConcurrentHashMap<>();

  private final PendingLinks pending;

  Taps(Ip ip, TapMarks marks, TapPool pool, PendingLinks pending) {
    this.pending = pending;
    this.ip = ip;
    this.marks = marks;
    this.pool = pool;
  }

  TapRecord acquire(String vmId, long owner, String bridge)
      throws CommandFailedException, IOException {
    TapRecord known = byVm.get(vmId);
    if (known != null) {
      Optional<TapRecord> still = recheck(known, owner, bridge);
      if (still.isPresent()) {
        return still.get();
      }
      byVm.remove(vmId);
      LOG.warn("tap {} of vm={} vanished from the host; making a new one", known.name(), vmId);
    }
    for (String name : TapMarks.vmTapNames(vmId)) {
      Optional<TapRecord> made = make(name, vmId, owner, bridge);
      if (made.isPresent()) {
        byVm.put(vmId, made.get());
        LOG.info(
            "tap {} for vm={} owner={} bridge={} ({})",
            name,
            vmId,
            owner,
            bridge,
            made.get().fromPool() ? "warm pool" : "made cold");
        return made.get();
      }
      LOG.info("tap name {} is held by another link; vm={} tries the next name", name, vmId);
    }
    throw NetArgs.failedPrecondition(
        "TAP_NAME_TAKEN",
        "every tap name for VM "
            + vmId
            + " ("
            + String.join(", ", TapMarks.vmTapNames(vmId))
            + ") is held by another link");
  }

  /**
   * The recorded tap if it is still on the host as ours; repaired if it lost its bridge or went
   * down.
   */
  private Optional<TapRecord> recheck(TapRecord t, long owner, String bridge)
      throws CommandFailedException, IOException {
    Optional<LinkInfo> l = ip.link(t.name());
    if (l.isEmpty()
        || !l.get().isTap()
        || !(marks.read(l.get().alias()) instanceof TapMarks.VmTap v)
        || !v.vmId().equals(t.vmId())) {
      return Optional.empty();
    }
    if (l.get().ownerUid() != owner) {
      throw ownerDiffers(t.vmId(), t.name(), l.get().ownerUid(), owner);
    }
    attach(t.name(), bridge, l.get());
    return Optional.of(t.asRepeat());
  }

  static io.grpc.StatusRuntimeException ownerDiffers(
      String vmId, String name, long have, long asked) {
    return NetArgs.failedPrecondition(
        "TAP_OWNER_DIFFERS",
        "VM "
            + vmId
            + " already has tap "
            + name
            + " owned by uid "
            + have
            + ", not "
            + asked
            + "; release it first");
  }

  /**
   * Re-attaches and sets up a tap of ours that lost its bridge or went down (a bridge re-made,
   * say).
   */
  void attach(String name, String bridge, LinkInfo l) throws CommandFailedException {
    if (!l.master().equals(bridge) || !l.up()) {
      ip.apply(new IpBatch().line("link", "set", "dev", name, "master", bridge, "up"));
      LOG.info("tap {} re-attached to {} and set up", name, bridge);
    }
  }

  /** Makes the tap under {@code name}; empty when another link holds the name. */
  private Optional<TapRecord> make(String name, String vmId, long owner, String bridge)
      throws CommandFailedException {
    if (owner == pool.ownerUid()) {
      Optional<String> warm = pool.take();
      if (warm.isPresent()) {
        IpBatch b =
            new IpBatch()
                .line("link", "set", "dev", warm.get(), "name", name)
                .line(
                    "link",
                    "set",
                    "dev",
                    name,
                    "master",
                    bridge,
                    "alias",
                    marks.vmMark(vmId),
                    "up");
        try {
          ip.apply(b);
          return Optional.of(new TapRecord(name, vmId, owner, bridge, true));
        } catch (CommandFailedException e) {
          if (Ip.firstLineTookEffect(e)) {
            ip.deleteLink(name);
            throw e;
          }
          if (e.result() != null && e.result().stderrText().contains("File exists")) {
            pool.putBack(warm.get());
            return Optional.empty();
          }
          LOG.warn(
              "warm tap {} could not be used ({}); making one cold", warm.get(), e.getMessage());
          ip.deleteLink(warm.get());
        }
      }
    }
    IpBatch b =
        new IpBatch()
            .line("tuntap", "add", "dev", name, "mode", "tap", "user", Long.toString(owner))
            .line("link", "set", "dev", name, "master", bridge, "alias", marks.vmMark(vmId), "up");
    pending.begin(name);
    try {
      ip.apply(b);
      return Optional.of(new TapRecord(name, vmId, owner, bridge, false));
    } catch (CommandFailedException e) {
      if (Ip.firstLineTookEffect(e)) {
        ip.deleteLink(name);
        throw e;
      }
      if (e.result() != null && e.result().stderrText().contains("Device or resource busy")) {
        return Optional.empty();
      }
      throw e;
    } finally {
      pending.end(name);
    }
  }

  /**
   * Deletes the VM's tap; false when it had none. Only a link that still carries the VM's mark is
   * deleted: a tap that moved into a clone namespace is not in the host's, and its name there may
   * since have gone to another VM's tap.
   */
  boolean release(String vmId) throws CommandFailedException, IOException {
    TapRecord t = byVm.get(vmId);
    if (t == null) {
      return false;
    }
    Optional<LinkInfo> l = ip.link(t.name());
    if (l.isPresent()
        && marks.read(l.get().alias()) instanceof TapMarks.VmTap(String owner)
        && owner.equals(vmId)) {
      ip.deleteLink(t.name());
      LOG.info("deleted tap {} of vm={}", t.name(), vmId);
    }
    byVm.remove(vmId);
    return true;
  }

  /** Drops the record of a tap that is gone (it died with a clone namespace). */
  void forget(String vmId) {
    byVm.remove(vmId);
  }

  /** Takes a tap found on the host at start-up into the table. */
  void adopt(TapRecord t) {
    byVm.put(t.vmId(), t);
  }

  Optional<TapRecord> of(String vmId) {
    return Optional.ofNullable(byVm.get(vmId));
  }

  List<TapRecord> list() {
    List<TapRecord> out = new ArrayList<>(byVm.values());
    out.sort(Comparator.comparing(TapRecord::name));
    return out;
  }
}
