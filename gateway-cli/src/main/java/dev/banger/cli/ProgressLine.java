package dev.banger.cli;

import dev.banger.api.common.v1.Progress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text of one stage on a terminal: while it runs, its message, a bar with rate and ETA when the
 * service counts bytes, and the stage's elapsed time; once it is over, its message and the time it
 * took. Always cut to the terminal's width, so a line never wraps and leaves debris when it is
 * redrawn; what is cut is the message, never the timer.
 */
final class ProgressLine {

  static final int BAR = 20;

  /** The fewest characters of a message worth showing before its "…". */
  static final int MIN_HEAD = 12;

  private ProgressLine() {}

  /**
   * @param bytesPerSecond the stage's rate so far, or 0 when not known yet
   */
  static String live(Progress p, Duration elapsed, double bytesPerSecond, int columns) {
    String timer = "  " + clock(elapsed);
    String head = step(p) + p.getMessage();
    List<String> tails = new ArrayList<>();
    if (p.getBytesTotal() > 0) {
      long done = Math.min(Math.max(0, p.getBytesDone()), p.getBytesTotal());
      int filled = (int) (BAR * done / p.getBytesTotal());
      String bar = " [" + "#".repeat(filled) + ".".repeat(BAR - filled) + "]";
      String pct = String.format(Locale.ROOT, " %3d%%", 100 * done / p.getBytesTotal());
      String sizes = " " + Sizes.human(done) + "/" + Sizes.human(p.getBytesTotal());
      String rate = "";
      String eta = "";
      if (bytesPerSecond > 0) {
        rate = "  " + Sizes.human((long) bytesPerSecond) + "/s";
        long left = (long) ((p.getBytesTotal() - done) / bytesPerSecond);
        eta = "  ETA " + clock(Duration.ofSeconds(left));
      }
      // Richest first; a narrow terminal drops the bar, then the rate and sizes, never the timer.
      tails.add(bar + pct + sizes + rate + eta + timer);
      tails.add(pct + sizes + eta + timer);
      tails.add(pct + eta + timer);
      tails.add(pct + timer);
    } else if (p.getBytesDone() > 0) {
      tails.add(" " + Sizes.human(p.getBytesDone()) + timer);
    }
    tails.add(timer);
    for (String tail : tails) {
      if (fits(head, tail, columns)) {
        return fit(head, tail, columns);
      }
    }
    return fit(head, timer, columns);
  }

  /** Whether {@code tail} leaves the head at least a few characters on this terminal. */
  private static boolean fits(String head, String tail, int columns) {
    int max = Math.max(1, columns - 1);
    return head.length() + tail.length() <= max || max - tail.length() - 1 >= MIN_HEAD;
  }

  /** A stage that is over: its last message and how long it took. */
  static String finished(Progress p, Duration elapsed, int columns) {
    return fit(step(p) + p.getMessage(), "  (" + clock(elapsed) + ")", columns);
  }

  static String step(Progress p) {
    return p.getStageCount() > 0 ? "[" + p.getStageIndex() + "/" + p.getStageCount() + "] " : "";
  }

  /** "4.2 s", "1 m 05 s", "1 h 02 m". */
  static String clock(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d m %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d m", s / 3600, (s % 3600) / 60);
  }

  /**
   * {@code head + tail} in at most {@code columns - 1} characters (the last column would make some
   * terminals wrap): the head is cut with "…" first, then, on a very narrow terminal, the whole.
   */
  static String fit(String head, String tail, int columns) {
    int max = Math.max(1, columns - 1);
    head = head.replaceAll("\\p{Cntrl}", " ");
    if (head.length() + tail.length() <= max) {
      return head + tail;
    }
    int room = max - tail.length() - 1;
    if (room >= MIN_HEAD) {
      return head.substring(0, room) + "…" + tail;
    }
    String all = head + tail;
    return all.substring(0, max);
  }
}
