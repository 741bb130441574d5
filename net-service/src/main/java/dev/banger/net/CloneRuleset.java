package dev.banger.net;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.config.NetConfig;
import dev.banger.kit.net.Ipv4Cidr;
import java.io.IOException;
import java.util.Optional;

/**
 * The nftables ruleset inside a clone namespace, and reading it back. Two tables, applied in one
 * {@code nft -f -} transaction (so either both are there or neither):
 *
 * <ul>
 *   <li>{@code ip banger_clone}: traffic from the bridge to the lease's address U is DNATed to the
 *       guest's address S, and the guest's own traffic leaves the uplink SNATed to U. Replies
 *       follow conntrack, so the bridge only ever sees U.
 *   <li>{@code netdev banger_clone}: frames the guest sends to a MAC that is not the tap's are
 *       taken as the tap's ({@code meta pkttype set host}). The guest's ARP cache holds the
 *       gateway's MAC of the moment it was snapshotted; a Linux bridge's MAC follows its ports, so
 *       that is often no longer the bridge's, and without this the guest's first packets (its SSH
 *       replies included) would be dropped until its ARP entry timed out.
 * </ul>
 *
 * Every value is ours: addresses rendered from integers, the tap's name checked as a link name.
 */
final class CloneRuleset {

  static final String TABLE = "banger_clone";

  private static final ObjectMapper JSON = new ObjectMapper();

  private CloneRuleset() {}

  static String render(String tap, int leaseIp, int guestIp) {
    NetConfig.linkName(tap);
    String up = TapMarks.CLONE_UPLINK;
    String u = Ipv4Cidr.format(leaseIp);
    String s = Ipv4Cidr.format(guestIp);
    return "table ip "
        + TABLE
        + " {\n"
        + "\tchain prerouting {\n"
        + "\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
        + ("\t\tiifname \"" + up + "\" ip daddr " + u + " dnat to " + s + "\n")
        + "\t}\n"
        + "\tchain postrouting {\n"
        + "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
        + ("\t\toifname \"" + up + "\" ip saddr " + s + " snat to " + u + "\n")
        + "\t}\n"
        + "}\n"
        + "table netdev "
        + TABLE
        + " {\n"
        + "\tchain guest {\n"
        + ("\t\ttype filter hook ingress device \"" + tap + "\" priority filter; policy accept;\n")
        + "\t\tmeta pkttype other meta pkttype set host\n"
        + "\t}\n"
        + "}\n";
  }

  /** The lease's and the guest's address as a built namespace's DNAT rule says them. */
  record Read(int leaseIp, int guestIp) {}

  /**
   * Reads {@code nft -j list table ip banger_clone}: the prerouting rule matching {@code ip daddr
   * U} with {@code dnat to S}. Empty when there is no such rule (not what banger wrote).
   */
  static Optional<Read> read(String json) throws IOException {
    JsonNode root = JSON.readTree(json);
    for (JsonNode item : root.path("nftables")) {
      JsonNode rule = item.path("rule");
      if (rule.isMissingNode() || !rule.path("chain").asText().equals("prerouting")) {
        continue;
      }
      String daddr = null;
      String dnat = null;
      for (JsonNode ex : rule.path("expr")) {
        JsonNode m = ex.path("match");
        if (m.path("left").path("payload").path("field").asText().equals("daddr")) {
          daddr = m.path("right").asText(null);
        }
        if (ex.has("dnat")) {
          dnat = ex.path("dnat").path("addr").asText(null);
        }
      }
      if (daddr != null && dnat != null) {
        try {
          return Optional.of(new Read(Ipv4Cidr.parseAddress(daddr), Ipv4Cidr.parseAddress(dnat)));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
