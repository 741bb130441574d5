package dev.banger.net.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace a test makes for itself ({@code banger-t-<random>}) and deletes after, so
 * bridges, taps and nft tables the service makes never reach the host's own network. Deleting the
 * namespace destroys every virtual link in it (taps and bridges included).
 */
public final class NetNamespace implements AutoCloseable {

  private static final HostCommandRunner RUN = new HostCommandRunner();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;

  private NetNamespace(String name) {
    this.name = name;
  }

  /** Skips loudly when this host cannot give the test a namespace with ip and nft in it. */
  public static NetNamespace create() throws Exception {
    requireTools();
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    String name = "banger-t-" + HexFormat.of().formatHex(b);
    CommandResult r = RUN.run(Command.of("ip", "netns", "add", name).build());
    Assumptions.assumeTrue(
        r.succeeded(),
        "SKIPPED LOUDLY: cannot create a network namespace (needs root and "
            + "CONFIG_NET_NS): "
            + r.stderrText());
    NetNamespace ns = new NetNamespace(name);
    ns.ip("link", "set", "lo", "up");
    return ns;
  }

  /**
   * A namespace someone else made (net-service's clone namespaces), to read with the same helpers;
   * {@link #close} deletes it like one of the test's own.
   */
  public static NetNamespace named(String name) {
    return new NetNamespace(name);
  }

  /**
   * Deletes the clone namespaces (docs/net-service.md, "Clone networks") of installation {@code
   * installId} found in /run/netns: left by a net-service stopped with clones running. Returns
   * their names.
   */
  public static List<String> deleteCloneNamespaces(String installId) throws Exception {
    List<String> found = namesStartingWith("bcl-" + installId + "-");
    for (String n : found) {
      named(n).close();
    }
    return found;
  }

  /** The install id a net-service's log names at start-up, if it got that far. */
  public static java.util.Optional<String> installIdIn(String serviceLog) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("install id ([0-9a-f]{8})").matcher(serviceLog);
    return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
  }

  /** Names in /run/netns starting with {@code prefix}, sorted. */
  public static List<String> namesStartingWith(String prefix) throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of("/run/netns");
    if (!java.nio.file.Files.isDirectory(dir)) {
      return List.of();
    }
    try (var s = java.nio.file.Files.list(dir)) {
      return s.map(p -> p.getFileName().toString())
          .filter(n -> n.startsWith(prefix))
          .sorted()
          .toList();
    }
  }

  static void requireTools() throws Exception {
    Assumptions.assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "SKIPPED LOUDLY: net-service tests need root (network namespaces, taps, nftables)");
    for (String tool : List.of("ip", "nft")) {
      CommandResult r;
      try {
        r = RUN.run(Command.of(tool, "-V").build());
      } catch (Exception e) {
        r = null;
      }
      Assumptions.assumeTrue(
          r != null && r.succeeded(),
          "SKIPPED LOUDLY: "
              + tool
              + " is missing (apt-get install iproute2 nftables; .ci/run installs them)");
    }
  }

  public String name() {
    return name;
  }

  /** {@code ip -n NS args…}, which must succeed. */
  public String ip(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("ip", "-n", name));
    argv.addAll(List.of(args));
    return check(argv, null);
  }

  /** A program run inside the namespace ({@code ip netns exec}), which must succeed. */
  public String exec(String... argv) throws Exception {
    return execWithStdin(null, argv);
  }

  public String execWithStdin(String stdin, String... argv) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(argv));
    return check(full, stdin);
  }

  private static String check(List<String> argv, String stdin) throws Exception {
    Command.Builder c = Command.of(argv).timeout(Duration.ofSeconds(60));
    if (stdin != null) {
      c.stdin(stdin);
    }
    CommandResult r = RUN.run(c.build());
    if (!r.succeeded()) {
      throw new AssertionError(
          String.join(" ", argv) + " failed (" + r.exitCode() + "): " + r.stderrText());
    }
    return r.stdoutText();
  }

  /** Links as {@code ip -d -j link show} reports them. */
  public JsonNode links() throws Exception {
    return JSON.readTree(ip("-d", "-j", "link", "show"));
  }

  /** One link by name, or null. */
  public JsonNode link(String linkName) throws Exception {
    for (JsonNode l : links()) {
      if (l.path("ifname").asText().equals(linkName)) {
        return l;
      }
    }
    return null;
  }

  /** Names of the links whose alias starts with {@code prefix}, sorted. */
  public List<String> linksWithAlias(String prefix) throws Exception {
    List<String> out = new ArrayList<>();
    for (JsonNode l : links()) {
      if (l.path("ifalias").asText("").startsWith(prefix)) {
        out.add(l.path("ifname").asText());
      }
    }
    out.sort(null);
    return out;
  }

  /** The uid owning a tap, whether ip printed it as a number or as the user's name. */
  public static long tapOwner(JsonNode link) {
    String user = link.path("linkinfo").path("info_data").path("user").asText("");
    if (user.matches("[0-9]+")) {
      return Long.parseLong(user);
    }
    return new dev.banger.kit.auth.UserDirectory()
        .uidOf(user)
        .orElseThrow(() -> new AssertionError("tap owner " + user + " is not in /etc/passwd"));
  }

  public String ruleset() throws Exception {
    return exec("nft", "list", "ruleset");
  }

  public String ipForward() throws Exception {
    return exec("cat", "/proc/sys/net/ipv4/ip_forward").strip();
  }

  /**
   * What a test compares to prove nothing changed: links (stable fields), IPv4 addresses, nft
   * ruleset, ip_forward.
   */
  public record State(String links, String ruleset, String ipForward) {}

  public State state() throws Exception {
    return new State(
        describeLinks(links(), JSON.readTree(ip("-j", "-4", "addr", "show"))),
        ruleset(),
        ipForward());
  }

  /**
   * Sorted lines of name, kind, tun owner, master, alias, up/down and IPv4 addresses: what identity
   * means here.
   */
  static String describeLinks(JsonNode links, JsonNode addrs) {
    TreeSet<String> lines = new TreeSet<>();
    for (JsonNode l : links) {
      JsonNode info = l.path("linkinfo");
      List<String> flags = new ArrayList<>();
      l.path("flags").forEach(f -> flags.add(f.asText()));
      lines.add(
          "link "
              + l.path("ifname").asText()
              + " kind="
              + info.path("info_kind").asText("-")
              + " type="
              + info.path("info_data").path("type").asText("-")
              + " owner="
              + info.path("info_data").path("user").asText("-")
              + " master="
              + l.path("master").asText("-")
              + " alias="
              + l.path("ifalias").asText("-")
              + " up="
              + flags.contains("UP")
              + " mac="
              + l.path("address").asText("-"));
    }
    for (JsonNode l : addrs) {
      for (JsonNode a : l.path("addr_info")) {
        lines.add(
            "addr "
                + l.path("ifname").asText()
                + " "
                + a.path("local").asText()
                + "/"
                + a.path("prefixlen").asText());
      }
    }
    return String.join("\n", lines);
  }

  @Override
  public void close() throws Exception {
    RUN.run(Command.of("ip", "netns", "del", name).build());
  }
}
