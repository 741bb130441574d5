package dev.banger.net.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Proof that a test left the host's own network namespace alone: its links (with the same stable
 * fields {@link NetNamespace.State} compares), IPv4 addresses, nft ruleset and ip_forward are read
 * before and compared after.
 */
public final class RootNamespaceGuard {

  private static final HostCommandRunner RUN = new HostCommandRunner();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final NetNamespace.State before;

  private RootNamespaceGuard(NetNamespace.State before) {
    this.before = before;
  }

  public static RootNamespaceGuard capture() throws Exception {
    return new RootNamespaceGuard(read());
  }

  public void assertUnchanged() throws Exception {
    NetNamespace.State after = read();
    assertEquals(before.links(), after.links(), "the host's own links changed");
    assertEquals(before.ruleset(), after.ruleset(), "the host's own nft ruleset changed");
    assertEquals(before.ipForward(), after.ipForward(), "the host's own ip_forward changed");
  }

  private static NetNamespace.State read() throws Exception {
    String links =
        NetNamespace.describeLinks(
            JSON.readTree(out("ip", "-d", "-j", "link", "show")),
            JSON.readTree(out("ip", "-j", "-4", "addr", "show")));
    return new NetNamespace.State(
        links,
        out("nft", "list", "ruleset"),
        Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip());
  }

  private static String out(String... argv) throws Exception {
    CommandResult r =
        RUN.check(Command.of(argv[0], java.util.Arrays.copyOfRange(argv, 1, argv.length)).build());
    return r.stdoutText();
  }
}
