package dev.banger.cli.system;

import dev.banger.cli.CliException;
import dev.banger.kit.state.StateLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Where {@code banger system} puts things: PREFIX (a copy of the installation the units run), under
 * ETC the units, sysusers, tmpfiles, config and the install manifest, and the state roots {@code
 * uninstall --purge} removes (production's unless a test overrides them).
 */
record SystemLayout(Path prefix, Path etc, StateLayout state) {

  /** The unit files of the dist's {@code systemd/} directory, templates all. */
  static final List<String> UNIT_TEMPLATES =
      List.of(
          "banger-disk.service",
          "banger-image.service",
          "banger-net.service",
          "banger-vm@.service");

  static final String SYSUSERS_TEMPLATE = "banger.sysusers.conf";
  static final String TMPFILES_TEMPLATE = "banger.tmpfiles.conf";

  /** A user name that is also a safe systemd instance name (no escaping, no specifiers). */
  static final Pattern OWNER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

  /**
   * A prefix goes into ExecStart=: no blanks, quotes, '%' specifiers, '$' or '\' for systemd to
   * read.
   */
  static final Pattern PREFIX = Pattern.compile("/[A-Za-z0-9._+/-]*");

  Path unitDir() {
    return etc.resolve("systemd/system");
  }

  Path sysusers() {
    return etc.resolve("sysusers.d/banger.conf");
  }

  Path tmpfiles() {
    return etc.resolve("tmpfiles.d/banger.conf");
  }

  Path config() {
    return etc.resolve("banger/config.toml");
  }

  Path manifest() {
    return etc.resolve("banger/install-manifest.json");
  }

  /**
   * The unit file an enabled unit name is loaded from ({@code banger-vm@alice.service} from the
   * template).
   */
  Path unitFile(String unit) {
    return unitDir().resolve(unit.startsWith("banger-vm@") ? "banger-vm@.service" : unit);
  }

  /** The four units to enable, start and stop, vm-service's as the owner's instance. */
  static List<String> units(String owner) {
    return List.of(
        "banger-disk.service",
        "banger-image.service",
        "banger-net.service",
        "banger-vm@" + owner + ".service");
  }

  /** An absolute, normalized path named on the command line (exit 2 otherwise). */
  static Path absolute(String option, Path p) {
    if (!p.isAbsolute() || !p.normalize().equals(p) || p.getNameCount() == 0) {
      throw new CliException(
          option + " must be an absolute path other than /, without . or .., got \"" + p + "\"",
          2,
          null);
    }
    return p;
  }
}
