package dev.banger.cli;

import dev.banger.api.common.v1.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.function.Function;

/**
 * The server's {@code Progress} stream on the user's screen: on a terminal one line redrawn in
 * place ("[3/8] rootfs-overlay …"), when not a terminal one plain line per stage, with {@code -q}
 * nothing. Goes to stderr, so stdout stays the result (a name, JSON) for scripts.
 */
final class ProgressPrinter {

  private final PrintWriter err;
  private final boolean tty;
  private final boolean quiet;
  private String lastStage = "";
  private String lastLine = "";
  private int width;

  ProgressPrinter(PrintWriter err, boolean tty, boolean quiet) {
    this.err = err;
    this.tty = tty;
    this.quiet = quiet;
  }

  /**
   * Whether stderr, where progress goes, is a terminal. Not {@code System.console()}: that asks
   * about stdin and stdout, so {@code banger image pull X 2>pull.log} at a prompt would write
   * redrawn lines ({@code \r}) into the log, and {@code name=$(banger image pull X)} would get
   * plain lines on the screen. fd 2 itself is looked at, through {@code /proc/self/fd/2} (banger
   * runs on Linux).
   */
  static boolean stderrIsTerminal() {
    String term = System.getenv("TERM");
    return term != null && !term.equals("dumb") && isTerminal(Path.of("/proc/self/fd/2"));
  }

  /** Whether the descriptor link {@code fd} ({@code /proc/self/fd/N}) names a terminal device. */
  static boolean isTerminal(Path fd) {
    try {
      String target = Files.readSymbolicLink(fd).toString();
      return target.startsWith("/dev/pts/")
          || target.startsWith("/dev/tty")
          || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false; // no /proc: plain lines, which are right anywhere
    }
  }

  void show(Progress p) {
    if (quiet) {
      return;
    }
    String step =
        p.getStageCount() > 0 ? "[" + p.getStageIndex() + "/" + p.getStageCount() + "] " : "";
    // Each side in its own unit: a 3 MiB download is "1.2 MiB/3.0 MiB", a small one "0 B/900 KiB",
    // never "0/0 MiB".
    String bytes =
        p.getBytesTotal() > 0
            ? " " + Sizes.human(p.getBytesDone()) + "/" + Sizes.human(p.getBytesTotal())
            : "";
    String line = step + p.getMessage() + bytes;
    if (tty) {
      String pad = " ".repeat(Math.max(0, width - line.length()));
      err.print("\r" + line + pad);
      width = line.length();
      err.flush();
    } else {
      // Plain lines: a byte count only where its stage begins (a log is not a progress bar), and
      // never the same line twice.
      boolean byteUpdate = p.getBytesTotal() > 0 && p.getStage().equals(lastStage);
      if (!byteUpdate && !line.equals(lastLine)) {
        err.println(line);
        lastLine = line;
      }
    }
    lastStage = p.getStage();
  }

  /** Ends the redrawn line, so what follows starts on its own. */
  void done() {
    if (tty && !quiet && width > 0) {
      err.println();
      width = 0;
    }
  }

  /**
   * Drains a stream of progress-then-result events (VM create and start, pull, promote, kernel
   * import): progress to the printer, the result returned. {@code progressOf} answers null for the
   * result event.
   */
  static <E, R> R drain(
      Iterator<E> events,
      Function<E, Progress> progressOf,
      Function<E, R> resultOf,
      ProgressPrinter progress) {
    R result = null;
    try {
      while (events.hasNext()) {
        E e = events.next();
        Progress p = progressOf.apply(e);
        if (p != null) {
          progress.show(p);
        } else {
          result = resultOf.apply(e);
        }
      }
    } finally {
      progress.done();
    }
    if (result == null) {
      throw new CliException("the service ended the stream without a result — see 'banger status'");
    }
    return result;
  }
}
