package dev.banger.net.host;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Named network namespaces through {@code ip netns}, with argument vectors (never a shell). A named
 * namespace is its nsfs inode bind-mounted on {@code /run/netns/NAME}: the mount, not a process,
 * keeps it alive. That mount lives in the mount namespace of whoever ran {@code ip netns add}, so a
 * net-service in a private mount namespace (under {@code ip netns exec}, say) makes namespaces that
 * only it can enter, which die with it; the file name stays behind in /run/netns, a stale entry
 * that {@code ip netns del} removes. Programs run inside with {@code ip netns exec}, which needs
 * CAP_SYS_ADMIN (as {@code ip netns add} does).
 */
public final class Netns {

  public static final Path RUN = Path.of("/run/netns");

  /** {@code key=value} for sysctl: dotted keys of plain words (interface names included). */
  private static final Pattern SETTING =
      Pattern.compile("[a-z0-9_]+(\\.[A-Za-z0-9_-]{1,32}){1,6}=[0-9]{1,6}");

  /** A namespace name is a file name in /run/netns: no '/', no leading '.'. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}");

  private final CommandRunner runner;
  private final Path dir;

  public Netns(CommandRunner runner, Path dir) {
    this.runner = runner;
    this.dir = dir;
  }

  /** Whether /run/netns has the name (a stale entry counts: it still has to be deleted). */
  public boolean exists(String name) {
    return Files.exists(dir.resolve(checked(name)));
  }

  /** Every name in /run/netns, sorted; none when the directory does not exist yet. */
  public List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    }
  }

  public void add(String name) throws CommandFailedException {
    runner.check(cmd(List.of("ip", "netns", "add", checked(name))).build());
  }

  /**
   * Unmounts and unlinks the name (the namespace dies once nothing else holds it); false if none.
   */
  public boolean delete(String name) throws CommandFailedException {
    if (!exists(name)) {
      return false;
    }
    runner.check(cmd(List.of("ip", "netns", "del", checked(name))).build());
    return true;
  }

  /** {@code sysctl -q -w} of each {@code key=value}, inside the namespace (one process). */
  public void sysctl(String name, List<String> settings) throws CommandFailedException {
    List<String> argv = new ArrayList<>(List.of("sysctl", "-q", "-w"));
    for (String s : settings) {
      if (!SETTING.matcher(s).matches()) {
        throw new IllegalArgumentException("refusing a sysctl setting that is not plain: " + s);
      }
      argv.add(s);
    }
    runner.check(exec(name, argv).build());
  }

  /** {@code nft -f -} inside the namespace: one transaction, all or nothing. */
  public void nft(String name, String script) throws CommandFailedException {
    runner.check(exec(name, List.of("nft", "-f", "-")).stdin(script).build());
  }

  /**
   * {@code nft -j list table FAMILY TABLE} inside the namespace; empty when there is no such table.
   * A namespace that cannot be entered throws.
   */
  public Optional<String> nftTableJson(String name, String family, String table)
      throws CommandFailedException {
    Command c =
        exec(
                name,
                List.of("nft", "-j", "list", "table", IpBatch.token(family), IpBatch.token(table)))
            .build();
    CommandResult r = runner.run(c);
    if (r.succeeded()) {
      return Optional.of(r.stdoutText());
    }
    if (r.exitCode() == 1 && r.stderrText().contains("No such file or directory")) {
      return Optional.empty();
    }
    throw new CommandFailedException(CommandFailedException.Kind.NON_ZERO_EXIT, c, r, null, null);
  }

  private static String checked(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "refusing a namespace name that is not a plain file name: "
              + dev.banger.kit.text.Printable.quoted(name, 40));
    }
    return name;
  }

  private static Command.Builder exec(String name, List<String> argv) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", checked(name)));
    full.addAll(argv);
    return cmd(full);
  }

  private static Command.Builder cmd(List<String> argv) {
    return Command.of(argv).timeout(Ip.TIMEOUT);
  }
}
