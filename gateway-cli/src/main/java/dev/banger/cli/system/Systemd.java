package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * systemd's programs as {@code banger system} runs them: argument vectors, one printed line each.
 */
final class Systemd {

  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  private final CommandRunner runner;
  private final PrintWriter out;

  Systemd(CommandRunner runner, PrintWriter out) {
    this.runner = runner;
    this.out = out;
  }

  /**
   * What makes an installed banger run: its users, its directories, the units enabled and
   * (re)started.
   */
  static List<Command> startCommands(SystemLayout layout, String owner) {
    return List.of(
        Command.of("systemd-sysusers", layout.sysusers().toString()).timeout(TIMEOUT).build(),
        Command.of("systemd-tmpfiles", "--create", layout.tmpfiles().toString())
            .timeout(TIMEOUT)
            .build(),
        Command.of("systemctl", "daemon-reload").timeout(TIMEOUT).build(),
        systemctl("enable", null, SystemLayout.units(owner)),
        // restart, not "enable --now": a unit already running (installing again, an upgrade)
        // would keep the old jars it has open. VMs outlive vm-service's restart.
        systemctl("restart", null, SystemLayout.units(owner)));
  }

  static Command systemctl(String verb, String flag, List<String> units) {
    List<String> argv = new ArrayList<>(List.of("systemctl", verb));
    if (flag != null) {
      argv.add(flag);
    }
    argv.addAll(units);
    return Command.of(argv).timeout(TIMEOUT).build();
  }

  /** Runs each, printing it first; the first that fails ends it with its stderr. */
  void runAll(List<Command> commands) {
    for (Command c : commands) {
      CommandResult r = run(c);
      if (!r.succeeded()) {
        throw new CliException(
            "'"
                + c.display()
                + "' exited "
                + r.exitCode()
                + ": "
                + r.stderrText().strip()
                + " — see 'journalctl -xe' and 'banger system status'");
      }
    }
  }

  /**
   * Runs it, printing it first; a failure is printed, not thrown (uninstall goes on removing
   * files).
   */
  boolean tryRun(Command c) {
    CommandResult r = run(c);
    if (!r.succeeded()) {
      out.println("  (exited " + r.exitCode() + ": " + r.stderrText().strip() + ")");
    }
    return r.succeeded();
  }

  /**
   * {@code systemctl is-active|is-enabled UNIT}: its one word ("active", "inactive", "enabled",
   * "not-found"…).
   */
  String query(String verb, String unit) {
    try {
      CommandResult r =
          runner.run(Command.of("systemctl", verb, unit).timeout(Duration.ofSeconds(30)).build());
      String word = r.stdoutText().strip();
      return word.isEmpty()
          ? "unknown (exit " + r.exitCode() + ")"
          : word.lines().findFirst().orElse(word);
    } catch (CommandFailedException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private CommandResult run(Command c) {
    out.println("$ " + c.display());
    out.flush();
    try {
      return runner.run(c);
    } catch (CommandFailedException e) {
      throw new CliException(
          e.kind() == CommandFailedException.Kind.NOT_FOUND
              ? c.program() + " is not installed here"
              : "'" + c.display() + "' failed: " + e.getMessage());
    }
  }
}
