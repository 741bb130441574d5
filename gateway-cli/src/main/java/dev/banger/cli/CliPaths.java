package dev.banger.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Paths typed on the command line, for a service that may run as another user in another working
 * directory: made absolute here, and a missing one is refused before any call, as a usage error
 * naming it.
 */
public final class CliPaths {

  private CliPaths() {}

  public static String existing(String what, Path p) {
    Path abs = p.toAbsolutePath().normalize();
    if (!Files.exists(abs)) {
      throw new CliException(what + " " + abs + " does not exist", 2, null);
    }
    return abs.toString();
  }
}
