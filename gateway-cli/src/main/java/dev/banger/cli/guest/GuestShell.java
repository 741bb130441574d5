package dev.banger.cli.guest;

import dev.banger.cli.CliException;
import dev.banger.cli.Services;
import dev.banger.cli.ShellQuote;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.HostCommandRunner;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The system's OpenSSH client into a guest, with banger's own key and known_hosts (the guest's host
 * key was pinned by vm-service at first contact; a changed key is refused by ssh itself) and none
 * of the user's ssh config. The terminal is handed over; ssh's exit status is the remote command's
 * (255 when ssh itself failed).
 */
public final class GuestShell {

  private GuestShell() {}

  static List<String> argv(Services s, String ip, boolean tty, List<String> command) {
    return argvRemote(s, ip, tty, command.isEmpty() ? null : ShellQuote.join(command));
  }

  /** {@code remote}: the one string the guest's shell runs, or null for a login shell. */
  public static List<String> argvRemote(Services s, String ip, boolean tty, String remote) {
    List<String> a = new ArrayList<>(List.of("ssh"));
    a.addAll(options(s));
    a.add(tty ? "-t" : "-T");
    a.add("root@" + ip);
    if (remote != null) {
      a.add("--");
      a.add(remote);
    }
    return a;
  }

  /**
   * What ssh and scp both take: banger's key and known_hosts, none of the user's config, no
   * prompts.
   */
  static List<String> options(Services s) {
    if (!Files.isReadable(s.sshKey())) {
      throw new CliException(
          "banger's SSH key "
              + s.sshKey()
              + " is missing or unreadable — is this the user"
              + " vm-service runs as?");
    }
    return List.of(
        "-F",
        "/dev/null",
        "-i",
        s.sshKey().toString(),
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "UserKnownHostsFile=" + s.knownHosts(),
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        "BatchMode=yes",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "ConnectTimeout=15");
  }

  public static int run(Services s, String ip, List<String> command) {
    boolean tty = command.isEmpty() && System.console() != null && System.console().isTerminal();
    return interactive(argv(s, ip, tty, command));
  }

  /**
   * {@code command} (or, without one, a login shell) in directory {@code dir} of the guest: the
   * workspace commands' way in. The directory is quoted like the command's words.
   */
  public static int runIn(Services s, String ip, String dir, List<String> command) {
    boolean tty = command.isEmpty() && System.console() != null && System.console().isTerminal();
    return interactive(argvRemote(s, ip, tty, remoteIn(dir, command)));
  }

  static String remoteIn(String dir, List<String> command) {
    return "cd -- "
        + ShellQuote.quote(dir)
        + " && "
        + (command.isEmpty() ? "exec \"${SHELL:-/bin/sh}\" -l" : ShellQuote.join(command));
  }

  static int interactive(List<String> argv) {
    try {
      return new HostCommandRunner().interactive(Command.of(argv).build());
    } catch (CommandFailedException e) {
      throw cannotRun(argv, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 130;
    }
  }

  /**
   * ssh or scp could not be run at all: one sentence, with the package to install when it is
   * missing.
   */
  public static CliException cannotRun(List<String> argv, CommandFailedException e) {
    return new CliException(
        e.kind() == CommandFailedException.Kind.NOT_FOUND
            ? argv.getFirst() + " is not installed (apt-get install openssh-client)"
            : "cannot run " + argv.getFirst() + ": " + e.getMessage());
  }
}
