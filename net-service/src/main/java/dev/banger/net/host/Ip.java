package dev.banger.net.host;

import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.net.Ipv4Cidr;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iproute2, through {@link CommandRunner} with argument vectors. Reads use {@code -json}; changes
 * of more than one step go through {@code ip -batch -} so they cost one process, and the batch
 * stops at the first failing line. Callers pass names they have already validated; {@link IpBatch}
 * checks every token again, because ip's batch parser splits on blanks and honours quotes and '#'.
 */
public final class Ip {

  static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern FAILED_LINE = Pattern.compile("Command failed -:([0-9]{1,6})");

  private final CommandRunner runner;
  private final IpJson json;

  /** Global options before every command: empty, or {@code -n NAMESPACE}. */
  private final List<String> global;

  public Ip(CommandRunner runner, UserDirectory users) {
    this(runner, new IpJson(users, Path.of("/sys/class/net")), List.of());
  }

  private Ip(CommandRunner runner, IpJson json, List<String> global) {
    this.runner = runner;
    this.json = json;
    this.global = global;
  }

  /**
   * The same commands inside the named network namespace ({@code ip -n NAME …}, batches included).
   * A namespace that cannot be entered (a stale /run/netns entry) fails every command.
   */
  public Ip in(String netns) {
    return new Ip(runner, json.withoutSysfs(), List.of("-n", IpBatch.token(netns)));
  }

  /** Every link with details. */
  public List<LinkInfo> links() throws CommandFailedException, IOException {
    return json.links(check(List.of("-j", "-d", "link", "show")).stdoutText());
  }

  /** tun and tap devices with details (owner, type, alias, master). */
  public List<LinkInfo> tunLinks() throws CommandFailedException, IOException {
    return json.links(check(List.of("-j", "-d", "link", "show", "type", "tun")).stdoutText());
  }

  /** The link of that name, or empty when there is none. */
  public Optional<LinkInfo> link(String name) throws CommandFailedException, IOException {
    CommandResult r = run(List.of("-j", "-d", "link", "show", "dev", IpBatch.token(name)));
    if (!r.succeeded()) {
      if (missing(r)) {
        return Optional.empty();
      }
      throw new CommandFailedException(
          CommandFailedException.Kind.NON_ZERO_EXIT, r.command(), r, null, null);
    }
    List<LinkInfo> l = json.links(r.stdoutText());
    return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
  }

  /** IPv4 addresses on a link (empty when the link is missing). */
  public List<Ipv4Cidr> ipv4Addresses(String name) throws CommandFailedException, IOException {
    CommandResult r = run(List.of("-j", "-4", "addr", "show", "dev", IpBatch.token(name)));
    if (!r.succeeded()) {
      if (missing(r)) {
        return List.of();
      }
      throw new CommandFailedException(
          CommandFailedException.Kind.NON_ZERO_EXIT, r.command(), r, null, null);
    }
    return json.ipv4Addresses(r.stdoutText()).values().stream().flatMap(List::stream).toList();
  }

  /** IPv4 addresses of every link, by link name. */
  public Map<String, List<Ipv4Cidr>> allIpv4Addresses() throws CommandFailedException, IOException {
    return json.ipv4Addresses(check(List.of("-j", "-4", "addr", "show")).stdoutText());
  }

  /** The device of the first IPv4 default route, if there is one. */
  public Optional<String> defaultRouteDevice() throws CommandFailedException, IOException {
    List<String> devs =
        json.routeDevices(check(List.of("-j", "-4", "route", "show", "default")).stdoutText());
    return devs.isEmpty() ? Optional.empty() : Optional.of(devs.getFirst());
  }

  /** Runs the batch in one {@code ip -batch -}; throws at the first failing line. */
  public void apply(IpBatch batch) throws CommandFailedException {
    if (batch.isEmpty()) {
      return;
    }
    List<String> argv = new ArrayList<>();
    argv.add("ip");
    argv.addAll(global);
    argv.addAll(List.of("-batch", "-"));
    runner.check(Command.of(argv).stdin(batch.script()).timeout(TIMEOUT).build());
  }

  /**
   * The 1-based line of a failed {@link #apply} that ip reported ("Command failed -:N"), so a
   * caller knows which steps took effect; empty when ip did not say.
   */
  public static OptionalInt failedLine(CommandFailedException e) {
    if (e.result() == null) {
      return OptionalInt.empty();
    }
    Matcher m = FAILED_LINE.matcher(e.result().stderrText());
    return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
  }

  /**
   * Whether the first line of a failed batch took effect. ip names the failing line for errors the
   * kernel returns; an argument it cannot parse (a missing master device) stops it without a line
   * number, and that can only be a later line: our first lines are plain words.
   */
  public static boolean firstLineTookEffect(CommandFailedException e) {
    return failedLine(e).orElse(Integer.MAX_VALUE) > 1;
  }

  /** Deletes a link; false when it was already gone. */
  public boolean deleteLink(String name) throws CommandFailedException {
    CommandResult r = run(List.of("link", "del", "dev", IpBatch.token(name)));
    if (r.succeeded()) {
      return true;
    }
    if (missing(r)) {
      return false;
    }
    throw new CommandFailedException(
        CommandFailedException.Kind.NON_ZERO_EXIT, r.command(), r, null, null);
  }

  private CommandResult check(List<String> args) throws CommandFailedException {
    CommandResult r = run(args);
    if (!r.succeeded()) {
      throw new CommandFailedException(
          CommandFailedException.Kind.NON_ZERO_EXIT, r.command(), r, null, null);
    }
    return r;
  }

  private CommandResult run(List<String> args) throws CommandFailedException {
    List<String> argv = new ArrayList<>();
    argv.add("ip");
    argv.addAll(global);
    argv.addAll(args);
    return runner.run(Command.of(argv).timeout(TIMEOUT).build());
  }

  /** iproute2's words for a device that is not there (show, del). */
  static boolean missing(CommandResult r) {
    String err = r.stderrText();
    return err.contains("does not exist") || err.contains("Cannot find device");
  }
}
