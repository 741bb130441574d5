package dev.banger.net;

import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.net.host.Ip;
import dev.banger.net.host.IpBatch;
import dev.banger.net.host.LinkInfo;
import java.io.IOException;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges: made when missing, set up, given their address; recorded so leases can use them and
 * start-up can restore them. A link banger did not create is used but never deleted, and a link of
 * the right name that is not a bridge is left alone and refused.
 */
final class Bridges {

  private static final Logger LOG = LoggerFactory.getLogger(Bridges.class);

  private final Ip ip;
  private final BridgeStore store;
  private final String configuredName;
  private final Ipv4Cidr configuredCidr;

  Bridges(Ip ip, BridgeStore store, String configuredName, Ipv4Cidr configuredCidr) {
    this.ip = ip;
    this.store = store;
    this.configuredName = configuredName;
    this.configuredCidr = configuredCidr;
  }

  record Ensured(BridgeRecord bridge, boolean createdNow) {}

  /** The address a bridge should have: the recorded one, the configured one, or the caller's. */
  Ipv4Cidr addressFor(String name, Ipv4Cidr asked) throws SQLException {
    Optional<BridgeRecord> known = store.find(name);
    Ipv4Cidr expected =
        known.map(BridgeRecord::cidr).orElse(name.equals(configuredName) ? configuredCidr : null);
    if (asked == null) {
      if (expected == null) {
        throw dev.banger.kit.grpc.Errors.invalidArgument(
            "cidr",
            "cidr is required for bridge "
                + name
                + ", which is neither the configured bridge nor known yet");
      }
      return expected;
    }
    if (expected != null && !expected.equals(asked)) {
      throw NetArgs.failedPrecondition(
          "BRIDGE_CIDR_DIFFERS",
          "bridge "
              + name
              + " is set up as "
              + expected
              + (known.isPresent() ? "" : " in config")
              + ", not "
              + asked);
    }
    for (BridgeRecord other : store.all()) {
      if (!other.name().equals(name) && other.cidr().overlaps(asked)) {
        throw NetArgs.failedPrecondition(
            "BRIDGE_NETWORK_OVERLAPS",
            asked.networkText()
                + " overlaps "
                + other.cidr().networkText()
                + " of bridge "
                + other.name());
      }
    }
    return asked;
  }

  /** Makes the bridge exist, be up and carry its address; records it. Idempotent. */
  Ensured ensure(String name, Ipv4Cidr cidr)
      throws SQLException, CommandFailedException, IOException {
    Optional<LinkInfo> link = ip.link(name);
    boolean createdNow = false;
    if (link.isEmpty()) {
      refuseForeignOverlap(name, cidr);
      IpBatch make =
          new IpBatch()
              .line("link", "add", "name", name, "type", "bridge")
              .line("addr", "add", cidr.toString(), "dev", name)
              .line("link", "set", "dev", name, "up");
      try {
        ip.apply(make);
      } catch (CommandFailedException e) {
        // The batch stops at its first failing line. Undo the link only if line 1 (our add) took
        // effect: if the add itself failed, whatever holds the name is not ours.
        if (Ip.firstLineTookEffect(e)) {
          ip.deleteLink(name);
        }
        throw e;
      }
      createdNow = true;
      LOG.info("created bridge {} with {}", name, cidr);
    } else {
      LinkInfo l = link.get();
      if (!l.isBridge()) {
        throw NetArgs.failedPrecondition(
            "NOT_A_BRIDGE",
            "a link named "
                + name
                + " exists and is not a bridge (kind "
                + (l.kind().isEmpty() ? "none" : l.kind())
                + "); banger leaves it alone");
      }
      List<Ipv4Cidr> have = ip.ipv4Addresses(name);
      IpBatch fix = new IpBatch();
      if (!have.contains(cidr)) {
        for (Ipv4Cidr h : have) {
          if (h.address() == cidr.address()) {
            throw NetArgs.failedPrecondition(
                "BRIDGE_ADDRESS_DIFFERS",
                "bridge "
                    + name
                    + " has "
                    + h
                    + ", not "
                    + cidr
                    + "; banger does not change another prefix on an address");
          }
        }
        refuseForeignOverlap(name, cidr);
        fix.line("addr", "add", cidr.toString(), "dev", name);
      }
      if (!l.up()) {
        fix.line("link", "set", "dev", name, "up");
      }
      if (!fix.isEmpty()) {
        ip.apply(fix);
        LOG.info("bridge {} existed; set {}", name, fix.lines());
      }
    }
    boolean created = createdNow || store.find(name).map(BridgeRecord::created).orElse(false);
    BridgeRecord rec = new BridgeRecord(name, cidr, created);
    store.put(rec);
    return new Ensured(rec, createdNow);
  }

  record Removed(boolean existed, boolean deleted) {}

  /**
   * Deletes a bridge banger created (forgets one it did not); the caller checked no lease uses it.
   */
  Removed remove(String name) throws SQLException, CommandFailedException {
    Optional<BridgeRecord> rec = store.find(name);
    if (rec.isEmpty()) {
      return new Removed(false, false);
    }
    boolean deleted = false;
    if (rec.get().created()) {
      deleted = ip.deleteLink(name);
      LOG.info("deleted bridge {} (banger created it)", name);
    } else {
      LOG.info("forgot bridge {}; banger did not create it, so the link stays", name);
    }
    store.delete(name);
    return new Removed(true, deleted);
  }

  List<BridgeRecord> all() throws SQLException {
    return store.all();
  }

  /**
   * A network that overlaps an address already on another link would fight that link's routes (a
   * VPN's 172.16.0.0/12, a LAN): refuse rather than break the host's own traffic.
   */
  private void refuseForeignOverlap(String bridge, Ipv4Cidr cidr)
      throws CommandFailedException, IOException {
    for (var e : ip.allIpv4Addresses().entrySet()) {
      if (e.getKey().equals(bridge)) {
        continue;
      }
      for (Ipv4Cidr a : e.getValue()) {
        if (a.overlaps(cidr)) {
          throw NetArgs.failedPrecondition(
              "NETWORK_IN_USE",
              cidr.networkText()
                  + " overlaps "
                  + a
                  + " on "
                  + e.getKey()
                  + "; choose another [net] cidr");
        }
      }
    }
  }
}
