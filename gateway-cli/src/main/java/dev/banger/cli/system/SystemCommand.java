package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.cli.CommandGroup;
import dev.banger.kit.state.StateLayout;
import java.nio.file.Path;
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
public final class SystemCommand extends CommandGroup {

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
}
