package dev.banger.net.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;

/** What tests read back from a namespace: link flags, the warm pool, banger's masquerade rules. */
public final class NetProbes {

  private static final ObjectMapper JSON = new ObjectMapper();

  private NetProbes() {}

  public static List<String> flags(JsonNode link) {
    return StreamSupport.stream(link.path("flags").spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  /**
   * Waits until the namespace holds {@code n} warm taps (alias {@code banger:…:pool}), and returns
   * their names.
   */
  public static List<String> awaitPool(NetNamespace ns, int n) throws Exception {
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (true) {
      List<String> warm = new java.util.ArrayList<>();
      for (JsonNode l : ns.links()) {
        String alias = l.path("ifalias").asText("");
        if (alias.startsWith("banger:") && alias.endsWith(":pool")) {
          warm.add(l.path("ifname").asText());
        }
      }
      if (warm.size() == n) {
        warm.sort(null);
        return warm;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("pool has " + warm + ", expected " + n);
      }
      Thread.sleep(50);
    }
  }

  /** Source addresses of the masquerade rules in table ip banger, read back as JSON. */
  public static Set<String> masqueraded(NetNamespace ns) throws Exception {
    Set<String> out = new HashSet<>();
    JsonNode root = JSON.readTree(ns.exec("nft", "-j", "list", "table", "ip", "banger"));
    for (JsonNode item : root.path("nftables")) {
      JsonNode rule = item.path("rule");
      if (rule.isMissingNode() || !rule.path("chain").asText().equals("postrouting")) {
        continue;
      }
      boolean masq = false;
      String saddr = null;
      for (JsonNode ex : rule.path("expr")) {
        if (ex.has("masquerade")) {
          masq = true;
        }
        JsonNode m = ex.path("match");
        if (m.path("left").path("payload").path("field").asText().equals("saddr")) {
          saddr = m.path("right").asText();
        }
      }
      if (masq && saddr != null) {
        out.add(saddr);
      }
    }
    return out;
  }
}
