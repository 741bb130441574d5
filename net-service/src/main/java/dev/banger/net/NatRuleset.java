package dev.banger.net;

import dev.banger.kit.config.NetConfig;
import java.util.List;

/**
 * Renders banger's own nftables table from the NATed leases. The script always starts with {@code
 * table ip banger} + {@code delete table ip banger} (create-if-missing, then delete), so one {@code
 * nft -f -} transaction replaces the table whole, or removes it when no VM is NATed; no other table
 * is named. Every value in it is ours: addresses rendered from integers, VM ids that passed the
 * UUID check, interface names that passed {@link NetConfig#linkName}.
 */
final class NatRuleset {

  private NatRuleset() {}

  static String render(List<Lease> natted, String uplink) {
    StringBuilder s = new StringBuilder();
    s.append("table ip banger\n");
    s.append("delete table ip banger\n");
    if (natted.isEmpty()) {
      return s.toString();
    }
    NetConfig.linkName(uplink);
    s.append("table ip banger {\n");
    s.append("\tchain postrouting {\n");
    s.append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
    for (Lease l : natted) {
      s.append("\t\toifname \"")
          .append(uplink)
          .append("\" ip saddr ")
          .append(l.ip())
          .append(" masquerade comment \"vm:")
          .append(l.vmId())
          .append("\"\n");
    }
    s.append("\t}\n");
    s.append("\tchain forward {\n");
    s.append("\t\ttype filter hook forward priority filter; policy accept;\n");
    for (Lease l : natted) {
      String bridge = NetConfig.bridgeName(l.bridge());
      s.append("\t\tiifname \"")
          .append(bridge)
          .append("\" oifname \"")
          .append(uplink)
          .append("\" ip saddr ")
          .append(l.ip())
          .append(" accept comment \"vm:")
          .append(l.vmId())
          .append("\"\n");
      s.append("\t\tiifname \"")
          .append(uplink)
          .append("\" oifname \"")
          .append(bridge)
          .append("\" ip daddr ")
          .append(l.ip())
          .append(" ct state established,related accept comment \"vm:")
          .append(l.vmId())
          .append("\"\n");
    }
    s.append("\t}\n");
    s.append("}\n");
    return s.toString();
  }
}
