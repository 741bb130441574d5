package dev.banger.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A {@code [y/N]} question before something that cannot be undone, asked only when a person can
 * answer (stdin is a terminal); a script's run is not held up by a prompt nobody sees.
 */
public final class Confirm {

  /** Whether a person is at stdin; tests set it. */
  public static java.util.function.BooleanSupplier interactive =
      () -> ProgressPrinter.isTerminal(Path.of("/proc/self/fd/0"));

  /** Where the answer is read; tests set it. */
  public static BufferedReader answers =
      new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));

  private Confirm() {}

  /**
   * @return true when not interactive, or when the answer is y or yes
   */
  public static boolean ask(PrintWriter err, String question) {
    if (!interactive.getAsBoolean()) {
      return true;
    }
    err.print(question + " [y/N] ");
    err.flush();
    try {
      String line = answers.readLine();
      String a = line == null ? "" : line.strip().toLowerCase(Locale.ROOT);
      return a.equals("y") || a.equals("yes");
    } catch (IOException e) {
      return false;
    }
  }
}
