package dev.banger.cli.kernel;

import dev.banger.cli.CommandGroup;
import picocli.CommandLine.Command;

/** {@code banger kernel …}: guest kernels (image-service). */
@Command(
    name = "kernel",
    description = "Import, list and delete guest kernels.",
    mixinStandardHelpOptions = true)
public final class KernelCommand extends CommandGroup {

  static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
