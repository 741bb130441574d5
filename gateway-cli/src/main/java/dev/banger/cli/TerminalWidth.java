package dev.banger.cli;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.HostCommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How many columns the terminal on stderr has: {@code COLUMNS} when the shell exported it, else
 * {@code stty -F <the tty> size} (the JDK cannot ask the terminal), else 80.
 */
final class TerminalWidth {

  static final int DEFAULT = 80;

  private TerminalWidth() {}

  static int ofStderr() {
    String env = System.getenv("COLUMNS");
    if (env != null && env.matches("[1-9][0-9]{0,4}")) {
      return Integer.parseInt(env);
    }
    try {
      String tty = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      if (!ProgressPrinter.isTerminalDevice(tty)) {
        return DEFAULT;
      }
      CommandResult r =
          new HostCommandRunner()
              .run(Command.of("stty", "-F", tty, "size").timeout(Duration.ofSeconds(2)).build());
      return r.succeeded() ? parse(r.stdoutText()) : DEFAULT;
    } catch (IOException | dev.banger.kit.process.CommandFailedException | RuntimeException e) {
      return DEFAULT;
    }
  }

  /** {@code stty size}'s "ROWS COLS". */
  static int parse(String sttySize) {
    String[] f = sttySize.strip().split("\\s+");
    if (f.length == 2 && f[1].matches("[1-9][0-9]{0,4}")) {
      return Integer.parseInt(f[1]);
    }
    return DEFAULT;
  }
}
