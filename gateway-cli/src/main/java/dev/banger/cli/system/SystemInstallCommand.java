package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.process.Command;
import dev.banger.kit.state.StateLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code banger system install --owner USER}: every input checked before anything is written (usage
 * errors exit 2, not root exits 1), then the files ({@link SystemInstaller}), then, unless {@code
 * --no-start}, systemd told to create the users and directories and start the units. Where systemd
 * is not PID 1 the files stay installed and the commands that would start them are printed.
 */
@CommandLine.Command(
    name = "install",
    description = "Install banger's services for USER as systemd units.",
    mixinStandardHelpOptions = true)
public final class SystemInstallCommand implements Callable<Integer> {

  @CommandLine.ParentCommand SystemCommand system;
  @CommandLine.Mixin SystemCommand.EtcOption etc;

  @Option(
      names = "--owner",
      required = true,
      paramLabel = "USER",
      description = "The user banger works for: vm-service runs as USER (banger-vm@USER.service).")
  String owner;

  @Option(
      names = "--prefix",
      paramLabel = "DIR",
      defaultValue = "/opt/banger",
      description =
          "Where this installation is copied and the units run it from (default ${DEFAULT-VALUE}).")
  Path prefix;

  @Option(
      names = "--no-start",
      description = "Write the files only: no sysusers, tmpfiles or systemctl.")
  boolean noStart;

  @Override
  public Integer call() throws IOException {
    if (!SystemLayout.OWNER.matcher(owner).matches()) {
      throw new CliException(
          "--owner \""
              + owner
              + "\" is not a valid user name (lower-case letters, digits, '_' and"
              + " '-', starting with a letter or '_', at most 32)",
          2,
          null);
    }
    SystemLayout.absolute("--prefix", prefix);
    if (!SystemLayout.PREFIX.matcher(prefix.toString()).matches()) {
      throw new CliException(
          "--prefix \""
              + prefix
              + "\" has characters a unit's ExecStart= cannot carry as they"
              + " are (use letters, digits and . _ + - /)",
          2,
          null);
    }
    SystemLayout layout = etc.layout(prefix, StateLayout.production());
    SystemHost host = SystemHost.current.get();
    host.requireRoot("install");
    if (!host.userExists(owner)) {
      throw new CliException(
          "--owner \""
              + owner
              + "\" is not a user on this host (getent passwd "
              + owner
              + " found nothing) — create it first, or name another",
          2,
          null);
    }
    Path home = installation();
    SystemInstaller installer =
        new SystemInstaller(layout, home, owner, system.out(), host.runner());
    installer.preflight();
    java.util.Optional<InstallManifest> earlier = InstallManifest.read(layout.manifest());
    installer.install();
    start(host, layout, earlier.map(InstallManifest::owner).filter(o -> !o.equals(owner)));
    return 0;
  }

  /** The installation this CLI runs from: bin/banger passes it as {@code -Dbanger.home}. */
  static Path installation() throws IOException {
    String home = System.getProperty("banger.home");
    if (home == null || home.isBlank() || !Files.isDirectory(Path.of(home))) {
      throw new CliException(
          "cannot tell which installation to install: banger.home is "
              + (home == null ? "not set" : "\"" + home + "\", not a directory")
              + " — run the bin/banger of a banger dist");
    }
    return Path.of(home).toRealPath();
  }

  /**
   * {@code formerOwner}: an earlier install's owner, whose vm-service instance is stopped first.
   */
  private void start(SystemHost host, SystemLayout layout, java.util.Optional<String> formerOwner) {
    PrintWriter out = system.out();
    List<Command> commands = Systemd.startCommands(layout, owner);
    String why =
        noStart
            ? "not started (--no-start)"
            : !host.systemd()
                ? host.noSystemd() + ": the files are installed, nothing was started"
                : !layout.etc().equals(host.systemdEtc())
                    ? "not started: systemd reads "
                        + host.systemdEtc()
                        + ", and --etc is "
                        + layout.etc()
                        + ": the files are installed"
                    : null;
    if (why != null) {
      out.println(why + ". To start banger on a systemd host, as root:");
      commands.forEach(c -> out.println("  " + c.display()));
      return;
    }
    Systemd systemd = new Systemd(host.runner(), out);
    formerOwner.ifPresent(
        o ->
            systemd.tryRun(
                Systemd.systemctl("disable", "--now", List.of("banger-vm@" + o + ".service"))));
    systemd.runAll(commands);
    out.println(
        "started  "
            + String.join(", ", SystemLayout.units(owner))
            + " — see 'banger system status'");
  }
}
