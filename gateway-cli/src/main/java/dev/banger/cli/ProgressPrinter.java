package dev.banger.cli;

import dev.banger.api.common.v1.Progress;
import java.io.PrintWriter;
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

  static boolean stderrIsTerminal() {
    java.io.Console c = System.console();
    return c != null && c.isTerminal() && System.getenv("TERM") != null && !"dumb".equals(System.getenv("TERM"));
  }

  void show(Progress p) {
    if (quiet) {
      return;
    }
    String step = p.getStageCount() > 0 ? "[" + p.getStageIndex() + "/" + p.getStageCount() + "] " : "";
    String bytes = p.getBytesTotal() > 0 ? String.format(" %d/%d MiB", p.getBytesDone() >> 20, p.getBytesTotal() >> 20)
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
   * Drains a stream of progress-then-result events (VM create and start, pull, promote, kernel import): progress to
   * the printer, the result returned. {@code progressOf} answers null for the result event.
   */
  static <E, R> R drain(Iterator<E> events, Function<E, Progress> progressOf, Function<E, R> resultOf,
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
