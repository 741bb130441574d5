package dev.banger.image.source;

import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.text.Printable;
import java.util.concurrent.TimeUnit;

/**
 * mmdebstrap's stderr as {@code bootstrap} progress, marked as tool output (clients show it only
 * when asked for detail) except its {@code E:} lines, which every client shows. Its own status
 * lines ({@code I:}, {@code W:}, {@code E:}: a dozen per build) all go through; anything else (apt
 * and dpkg chatter, thousands of lines with --verbose) at most one every {@value #INTERVAL_MS} ms.
 * Lines are escaped and cut: they carry text from the mirror. Once the tarball flows, the lines
 * that follow (mmdebstrap cleaning up) are reported under {@code flatten}, so stages never go
 * backwards.
 */
final class StderrRelay {

  static final long INTERVAL_MS = 500;
  static final int MAX_LINE = 200;

  private final StageProgress progress;
  private long last;
  private String stage = "bootstrap";

  StderrRelay(StageProgress progress) {
    this.progress = progress;
  }

  synchronized void switchTo(String next) {
    stage = next;
  }

  synchronized void line(String raw) {
    boolean status = raw.startsWith("I: ") || raw.startsWith("W: ") || raw.startsWith("E: ");
    long now = System.nanoTime();
    if (!status && now - last < TimeUnit.MILLISECONDS.toNanos(INTERVAL_MS)) {
      return;
    }
    last = now;
    String line = Printable.bare(raw.strip(), MAX_LINE);
    if (raw.startsWith("E: ")) {
      // An error is shown without --verbose: a failing build says why on its own.
      progress.stage(stage, line, 0, 0);
    } else {
      progress.toolOutput(stage, line);
    }
  }
}
