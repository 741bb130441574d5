package dev.banger.net.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.net.Ipv4Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads iproute2's {@code -json} output. Only the fields banger acts on are read, and anything
 * unexpected is an error rather than a guess: a misread link could be deleted.
 */
final class IpJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final UserDirectory users;
  private final Path sysClassNet;

  /**
   * @param sysClassNet where the kernel shows each link's tun owner as a number ({@code
   *     /sys/class/net/<link>/owner}); read when ip printed a name. Null for links of another
   *     network namespace: this process's sysfs shows its own namespace's links, and a link of the
   *     same name there would give the wrong owner
   */
  IpJson(UserDirectory users, Path sysClassNet) {
    this.users = users;
    this.sysClassNet = sysClassNet;
  }

  List<LinkInfo> links(String json) throws IOException {
    List<LinkInfo> out = new ArrayList<>();
    for (JsonNode l : array(json)) {
      JsonNode info = l.path("linkinfo");
      JsonNode data = info.path("info_data");
      String kind = info.path("info_kind").asText("");
      List<String> flags = new ArrayList<>();
      l.path("flags").forEach(f -> flags.add(f.asText()));
      String name = l.path("ifname").asText("");
      if (name.isEmpty()) {
        throw new IOException("ip printed a link without a name: " + l);
      }
      out.add(
          new LinkInfo(
              name,
              kind,
              "tun".equals(kind) ? data.path("type").asText("") : "",
              "tun".equals(kind) ? owner(name, data.path("user")) : -1,
              l.path("master").asText(""),
              l.path("ifalias").asText(""),
              flags.contains("UP"),
              flags,
              l.path("address").asText("")));
    }
    return out;
  }

  /**
   * ip prints a tun owner as a user name when NSS knows one (LDAP included), else as the number.
   * The number is what banger compares, so a name is turned back into it: from sysfs, which always
   * has the number, else from /etc/passwd. Unknown stays -2, never a guess.
   */
  private long owner(String link, JsonNode user) {
    if (user.isMissingNode() || user.isNull()) {
      return -1;
    }
    if (user.isNumber()) {
      return user.asLong();
    }
    String text = user.asText();
    if (text.matches("[0-9]{1,10}")) {
      return Long.parseLong(text);
    }
    if (sysClassNet != null && link.matches("[A-Za-z0-9_.:@+-]{1,15}")) {
      try {
        String n =
            Files.readString(sysClassNet.resolve(link).resolve("owner"), StandardCharsets.US_ASCII)
                .strip();
        if (n.matches("[0-9]{1,10}")) {
          return Long.parseLong(n);
        }
      } catch (IOException e) {
        // Not there (another namespace's sysfs, a link gone meanwhile): try the passwd file.
      }
    }
    return users.uidOf(text).map(Integer::longValue).orElse(UNKNOWN_OWNER);
  }

  /** The same reader for another namespace's links: owners by name go through the user database. */
  IpJson withoutSysfs() {
    return new IpJson(users, null);
  }

  /** A tun owner ip named but banger could not turn into a uid; matches no real uid. */
  static final long UNKNOWN_OWNER = -2;

  /** IPv4 addresses per link in {@code ip -j -4 addr show [dev X]}, in ip's order. */
  Map<String, List<Ipv4Cidr>> ipv4Addresses(String json) throws IOException {
    Map<String, List<Ipv4Cidr>> out = new LinkedHashMap<>();
    for (JsonNode l : array(json)) {
      List<Ipv4Cidr> mine =
          out.computeIfAbsent(l.path("ifname").asText(""), k -> new ArrayList<>());
      for (JsonNode a : l.path("addr_info")) {
        if ("inet".equals(a.path("family").asText())) {
          try {
            mine.add(
                new Ipv4Cidr(
                    Ipv4Cidr.parseAddress(a.path("local").asText()), a.path("prefixlen").asInt()));
          } catch (IllegalArgumentException e) {
            throw new IOException("ip printed an address banger cannot read: " + a, e);
          }
        }
      }
    }
    return out;
  }

  /** Devices of {@code ip -j -4 route show default}, in the kernel's order. */
  List<String> routeDevices(String json) throws IOException {
    List<String> out = new ArrayList<>();
    for (JsonNode r : array(json)) {
      if (r.hasNonNull("dev")) {
        out.add(r.get("dev").asText());
      }
    }
    return out;
  }

  private static JsonNode array(String json) throws IOException {
    String text = json.strip();
    if (text.isEmpty()) {
      return JSON.createArrayNode();
    }
    JsonNode root = JSON.readTree(text);
    if (!root.isArray()) {
      throw new IOException("ip -json printed something other than an array");
    }
    return root;
  }
}
