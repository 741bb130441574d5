package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.state.HostIdentity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The host as {@code banger system} sees it: the effective uid, what PID 1 is and whether it is
 * systemd, which ETC systemd reads units from, who the users are, and the one runner every program
 * ({@code getent}, {@code systemctl}, {@code rm}) goes through. Tests swap {@link #current}.
 *
 * @param pid1 the name of PID 1 ({@code /proc/1/comm}), "?" when unreadable
 * @param systemdEtc where systemd looks for {@code systemd/system}, {@code sysusers.d}, {@code
 *     tmpfiles.d}
 */
record SystemHost(int euid, String pid1, boolean systemd, Path systemdEtc, CommandRunner runner) {

  static Supplier<SystemHost> current = SystemHost::real;

  static SystemHost real() {
    String comm;
    try {
      comm = Files.readString(Path.of("/proc/1/comm")).strip();
    } catch (IOException e) {
      comm = "?";
    }
    boolean systemd = comm.equals("systemd") || Files.isDirectory(Path.of("/run/systemd/system"));
    return new SystemHost(
        HostIdentity.currentUid(), comm, systemd, Path.of("/etc"), new HostCommandRunner());
  }

  void requireRoot(String what) {
    if (euid != 0) {
      throw new CliException(
          "'banger system "
              + what
              + "' must run as root (effective uid 0), not uid "
              + euid
              + " — try: sudo banger system "
              + what);
    }
  }

  /**
   * Whether the user exists: {@code getent passwd} (NSS: LDAP and the like too), else /etc/passwd.
   */
  boolean userExists(String name) {
    try {
      CommandResult r =
          runner.run(Command.of("getent", "passwd", name).timeout(Duration.ofSeconds(20)).build());
      if (r.exitCode() == 0 || r.exitCode() == 2) {
        return r.exitCode() == 0;
      }
      throw new CliException(
          "cannot look up user \""
              + name
              + "\": getent passwd exited "
              + r.exitCode()
              + " "
              + r.stderrText().strip());
    } catch (CommandFailedException e) {
      if (e.kind() != CommandFailedException.Kind.NOT_FOUND) {
        throw new CliException("cannot look up user \"" + name + "\": " + e.getMessage());
      }
      return new UserDirectory().uidOf(name).isPresent();
    }
  }

  /** Whether the group exists ({@code getent group}); a failed lookup counts as no. */
  boolean groupExists(String name) {
    try {
      return runner
              .run(Command.of("getent", "group", name).timeout(Duration.ofSeconds(20)).build())
              .exitCode()
          == 0;
    } catch (CommandFailedException e) {
      return false;
    }
  }

  /** Why nothing is started here, when systemd does not run. */
  String noSystemd() {
    return "systemd is not running here (PID 1 is " + pid1 + ", no /run/systemd/system)";
  }
}
