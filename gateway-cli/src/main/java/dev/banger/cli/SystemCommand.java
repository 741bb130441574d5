package dev.banger.cli;

import dev.banger.kit.state.StateLayout;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code banger system …}: banger as systemd services (docs/deploy.md). {@code install} copies this
 * installation to a prefix and writes the units, sysusers, tmpfiles, an example config and a
 * manifest; {@code status}, {@code restart} and {@code uninstall} work from that manifest.
 */
@Command(
    name = "system",
    description = "Install banger's services as systemd units, and manage them.",
    mixinStandardHelpOptions = true)
final class SystemCommand extends CommandGroup {

  /** {@code --etc}, which every subcommand takes: where the units, config and manifest are. */
  static final class EtcOption {
    @Option(
        names = "--etc",
        paramLabel = "DIR",
        defaultValue = "/etc",
        description =
            "Where systemd/system, sysusers.d, tmpfiles.d and banger/ are (default ${DEFAULT-VALUE}).")
    Path etc;

    SystemLayout layout(Path prefix, StateLayout state) {
      return new SystemLayout(prefix, SystemLayout.absolute("--etc", etc), state);
    }
  }

  /** The manifest, or the sentence that there is none. */
  static InstallManifest installed(SystemLayout layout) {
    return InstallManifest.read(layout.manifest())
        .orElseThrow(
            () ->
                new CliException(
                    "banger is not installed here: no "
                        + layout.manifest()
                        + " — see 'banger system install --help'"));
  }

  @Command(
      name = "restart",
      description =
          "Restart the four services (running VMs survive: vm-service has" + " KillMode=process).",
      mixinStandardHelpOptions = true)
  static final class Restart implements Callable<Integer> {
    @CommandLine.ParentCommand SystemCommand system;
    @CommandLine.Mixin EtcOption etc;

    @Override
    public Integer call() {
      SystemHost host = SystemHost.current.get();
      SystemLayout layout = etc.layout(null, StateLayout.production());
      host.requireRoot("restart");
      InstallManifest m = installed(layout);
      if (!host.systemd()) {
        throw new CliException(host.noSystemd() + ": nothing to restart");
      }
      new Systemd(host.runner(), system.out())
          .runAll(java.util.List.of(Systemd.systemctl("restart", null, m.units())));
      system.out().println("restarted " + String.join(", ", m.units()));
      return 0;
    }
  }
}
