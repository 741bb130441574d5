package dev.banger.cli;

import dev.banger.api.common.v1.Progress;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.function.Function;

/**
 * The server's {@code Progress} stream on the user's screen: on a terminal a list of stages, each
 * with its time, the running one redrawn in place with a ticking timer (and a bar, rate and ETA
 * when bytes are counted), cut to the terminal's width ({@link ProgressLine}); when not a terminal
 * one plain line per stage; with {@code -q} nothing. Goes to stderr, so stdout stays the result (a
 * name, JSON) for scripts.
 */
public final class ProgressPrinter {

  static final long TICK_MS = 250;

  /** ANSI "erase to end of line": what a shorter redraw leaves of the longer one before. */
  static final String CLEAR_TO_END = "\033[K";

  private final PrintWriter err;
  private final boolean tty;
  private final boolean quiet;
  private final java.util.function.LongSupplier clock;
  private final java.util.function.IntSupplier width;
  private String lastStage = "";
  private String lastLine = "";
  private Progress current;
  private long stageStart;
  private long rateFrom;
  private long rateBytes;
  private int columns = TerminalWidth.DEFAULT;
  private Thread ticker;
  private boolean interrupted;
  private boolean verbose;

  public ProgressPrinter(PrintWriter err, boolean tty, boolean quiet) {
    this(err, tty, quiet, System::nanoTime, TerminalWidth::ofStderr);
  }

  /** With the clock and terminal width a test sets. */
  ProgressPrinter(
      PrintWriter err,
      boolean tty,
      boolean quiet,
      java.util.function.LongSupplier clock,
      java.util.function.IntSupplier width) {
    this.err = err;
    this.tty = tty;
    this.quiet = quiet;
    this.clock = clock;
    this.width = width;
  }

  /**
   * With {@code --verbose}: the tools' own lines ({@code Progress.tool_output}: mmdebstrap's and
   * apt's) are shown too, each on a line of its own under the stage; without it they are not shown
   * at all (they carry staging paths and come by the hundred), the stage's timer still runs.
   */
  public ProgressPrinter verbose(boolean on) {
    this.verbose = on;
    return this;
  }

  /**
   * Whether stderr, where progress goes, is a terminal. Not {@code System.console()}: that asks
   * about stdin and stdout, so {@code banger image pull X 2>pull.log} at a prompt would write
   * redrawn lines ({@code \r}) into the log, and {@code name=$(banger image pull X)} would get
   * plain lines on the screen. fd 2 itself is looked at, through {@code /proc/self/fd/2} (banger
   * runs on Linux).
   */
  public static boolean stderrIsTerminal() {
    String term = System.getenv("TERM");
    return term != null && !term.equals("dumb") && isTerminal(Path.of("/proc/self/fd/2"));
  }

  /** Whether the descriptor link {@code fd} ({@code /proc/self/fd/N}) names a terminal device. */
  static boolean isTerminal(Path fd) {
    try {
      return isTerminalDevice(Files.readSymbolicLink(fd).toString());
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false; // no /proc: plain lines, which are right anywhere
    }
  }

  /** Whether a descriptor's target ({@code /dev/pts/3}, {@code pipe:[…]}) is a terminal. */
  static boolean isTerminalDevice(String target) {
    return target.startsWith("/dev/pts/")
        || target.startsWith("/dev/tty")
        || target.equals("/dev/console");
  }

  synchronized void show(Progress p) {
    if (quiet || interrupted) {
      return; // after Ctrl-C the interrupt's lines are the last word, not a redrawn stage
    }
    if (p.getToolOutput()) {
      if (verbose) {
        toolLine(p);
      }
      return;
    }
    if (tty) {
      live(p);
    } else {
      // Plain lines: a byte count only where its stage begins (a log is not a progress bar), and
      // never the same line twice.
      String bytes =
          p.getBytesTotal() > 0
              ? " " + Sizes.human(p.getBytesDone()) + "/" + Sizes.human(p.getBytesTotal())
              : "";
      String line = ProgressLine.step(p) + p.getMessage() + bytes;
      boolean byteUpdate = p.getBytesTotal() > 0 && p.getStage().equals(lastStage);
      if (!byteUpdate && !line.equals(lastLine)) {
        err.println(line);
        lastLine = line;
      }
    }
    lastStage = p.getStage();
  }

  /**
   * A tool's line, indented under its stage; on a terminal it is written above the running stage,
   * which is then redrawn, so it scrolls by while the stage line stays last.
   */
  private void toolLine(Progress p) {
    String line = "      " + p.getMessage();
    if (!tty) {
      err.println(line);
      return;
    }
    err.print("\r" + ProgressLine.fit(line, "", width.getAsInt()) + CLEAR_TO_END + "\n");
    if (current != null) {
      draw(clock.getAsLong());
    } else {
      err.flush();
    }
  }

  /**
   * On a terminal: a stage that ends is written once more with the time it took and left on its own
   * line; the running one is redrawn in place, by each event and by a ticker between them, so its
   * elapsed time moves while the service is quiet (a guest booting says nothing for a minute).
   */
  private void live(Progress p) {
    long now = clock.getAsLong();
    if (current != null && !p.getStage().equals(current.getStage())) {
      endStage(now);
    }
    if (current == null) {
      stageStart = now;
      rateFrom = now;
      rateBytes = p.getBytesDone();
      columns = width.getAsInt();
    }
    current = p;
    draw(now);
    if (ticker == null) {
      ticker =
          Thread.ofPlatform()
              .daemon()
              .name("progress-ticker")
              .start(
                  () -> {
                    try {
                      while (true) {
                        Thread.sleep(TICK_MS);
                        synchronized (this) {
                          if (current == null || ticker != Thread.currentThread()) {
                            return;
                          }
                          draw(clock.getAsLong());
                        }
                      }
                    } catch (InterruptedException stop) {
                      // done() or interrupt(): the line is finished by them
                    }
                  });
    }
  }

  private void draw(long now) {
    Duration elapsed = Duration.ofNanos(now - stageStart);
    double seconds = (now - rateFrom) / 1e9;
    double rate = seconds >= 0.5 ? (current.getBytesDone() - rateBytes) / seconds : 0;
    err.print("\r" + ProgressLine.live(current, elapsed, rate, columns) + CLEAR_TO_END);
    err.flush();
  }

  private void endStage(long now) {
    err.print(
        "\r"
            + ProgressLine.finished(current, Duration.ofNanos(now - stageStart), columns)
            + CLEAR_TO_END
            + "\n");
    err.flush();
    current = null;
  }

  private void stopTicker() {
    Thread t = ticker;
    ticker = null;
    if (t != null) {
      t.interrupt();
    }
  }

  /** Ends the redrawn line (with the last stage's time), so what follows starts on its own. */
  synchronized void done() {
    stopTicker();
    if (tty && !quiet && !interrupted && current != null) {
      endStage(clock.getAsLong());
    }
  }

  /**
   * Ctrl-C: the ticker stops and the line is ended as it is, so what the interrupt prints (what was
   * cancelled, what was rolled back) is not drawn over.
   *
   * @return whether a line was ended
   */
  public synchronized boolean interrupt() {
    interrupted = true;
    stopTicker();
    if (tty && !quiet && current != null) {
      err.println();
      err.flush();
      current = null;
      return true;
    }
    return false;
  }

  /**
   * Drains a stream of progress-then-result events (VM create and start, pull, promote, kernel
   * import): progress to the printer, the result returned. {@code progressOf} answers null for the
   * result event.
   */
  public static <E, R> R drain(
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
