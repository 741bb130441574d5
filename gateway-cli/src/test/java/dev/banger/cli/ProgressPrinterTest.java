package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.common.v1.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the user reads of a pull's Progress stream: the events image-service sends for a two-layer
 * OCI pull.
 */
class ProgressPrinterTest {

  private static Progress p(String stage, int index, String message, long done, long total) {
    return Progress.newBuilder()
        .setStage(stage)
        .setStageIndex(index)
        .setStageCount(7)
        .setMessage(message)
        .setBytesDone(done)
        .setBytesTotal(total)
        .build();
  }

  /** As OciSource and PullPipeline send them (3 MiB of layers, two of them). */
  private static final List<Progress> PULL =
      List.of(
          p("resolve", 1, "resolving 127.0.0.1:5000/test/pull:v1", 0, 0),
          p("fetch", 2, "fetching 2 layers (3147370 bytes)", 0, 3147370),
          p("fetch", 2, "layer 1/2 9a2e8684ad96", 1 << 20, 3147370),
          p("fetch", 2, "layer 2/2 0c1d2e3f4a5b", 3147370, 3147370),
          p("flatten", 3, "applying layer 1/2 (sha256:9a2e)", 0, 0),
          p("flatten", 3, "applying layer 2/2 (sha256:0c1d)", 0, 0),
          p("build", 4, "mkfs.ext4 -d: 28 entries, 1073741824 bytes", 0, 0),
          p("publish", 7, "5 owners restored, 1 device nodes made", 0, 0));

  private static String render(boolean tty, boolean quiet, List<Progress> events) {
    StringWriter buf = new StringWriter();
    ProgressPrinter printer = new ProgressPrinter(new PrintWriter(buf, true), tty, quiet);
    events.forEach(printer::show);
    printer.done();
    return buf.toString();
  }

  @Test
  void plainLinesOnePerStepWithByteCountsInTheirOwnUnitsAndEveryLayerApplied() {
    assertEquals(
        """
        [1/7] resolving 127.0.0.1:5000/test/pull:v1
        [2/7] fetching 2 layers (3147370 bytes) 0 B/3.0 MiB
        [3/7] applying layer 1/2 (sha256:9a2e)
        [3/7] applying layer 2/2 (sha256:0c1d)
        [4/7] mkfs.ext4 -d: 28 entries, 1073741824 bytes
        [7/7] 5 owners restored, 1 device nodes made
        """,
        render(false, false, PULL));
  }

  @Test
  void aSmallTransferIsNotZeroOfZeroMib() {
    String out =
        render(false, false, List.of(p("fetch", 2, "fetching 1 layer (900000 bytes)", 0, 900_000)));
    assertEquals("[2/7] fetching 1 layer (900000 bytes) 0 B/879 KiB\n", out);
  }

  /** Events at whole seconds of a fake clock, 80 columns unless told. */
  private static String renderTimed(int columns, List<Progress> events, long... seconds) {
    StringWriter buf = new StringWriter();
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    ProgressPrinter printer =
        new ProgressPrinter(new PrintWriter(buf, true), true, false, now::get, () -> columns);
    for (int k = 0; k < events.size(); k++) {
      now.set(seconds[k] * 1_000_000_000L);
      printer.show(events.get(k));
    }
    now.set(seconds[events.size()] * 1_000_000_000L);
    printer.done();
    return buf.toString();
  }

  @Test
  void onATerminalEachStageEndsOnItsOwnLineWithItsTimeAndBytesGetABarRateAndEta() {
    String out = renderTimed(120, PULL, 0, 1, 2, 3, 4, 6, 7, 9, 10);
    assertTrue(
        out.startsWith(
            "\r[1/7] resolving 127.0.0.1:5000/test/pull:v1  0.0 s\033[K"
                + "\r[1/7] resolving 127.0.0.1:5000/test/pull:v1  (1.0 s)\033[K\n"),
        out);
    assertTrue(
        out.contains(
            "\r[2/7] layer 1/2 9a2e8684ad96 [######..............]  33% 1.0 MiB/3.0 MiB"
                + "  1.0 MiB/s  ETA 2.0 s  1.0 s\033[K"),
        "a bar, the rate since the stage began, the time left, the stage's time: " + out);
    assertTrue(out.contains("\r[2/7] layer 2/2 0c1d2e3f4a5b  (3.0 s)\033[K\n"), out);
    assertTrue(out.contains("\r[3/7] applying layer 2/2 (sha256:0c1d)  (3.0 s)\033[K\n"), out);
    assertTrue(
        out.endsWith("\r[7/7] 5 owners restored, 1 device nodes made  (1.0 s)\033[K\n"), out);
    assertEquals(5, out.chars().filter(c -> c == '\n').count(), "one line per stage: " + out);
  }

  @Test
  void noLineIsWiderThanTheTerminalAndTheTimerIsNeverCut() {
    String out = renderTimed(40, PULL, 0, 1, 2, 3, 4, 6, 7, 9, 10);
    for (String drawn : out.split("\r")) {
      String line = drawn.replace("\033[K", "").replace("\n", "");
      assertTrue(line.length() <= 39, "at most 39 of 40 columns: '" + line + "'");
      assertTrue(line.isEmpty() || line.endsWith(" s") || line.endsWith(" s)"), line);
      boolean running = line.startsWith("[2/7] layer") && !line.endsWith(")");
      assertTrue(!running || line.contains("%"), "the share done stays: " + line);
    }
  }

  @Test
  void theRunningStagesTimeTicksWhileTheServiceSaysNothing() throws Exception {
    StringWriter buf = new StringWriter();
    ProgressPrinter printer =
        new ProgressPrinter(new PrintWriter(buf, true), true, false, System::nanoTime, () -> 80);
    printer.show(p("ssh-ready", 8, "waiting for SSH", 0, 0));
    Thread.sleep(3 * ProgressPrinter.TICK_MS + 100);
    printer.done();
    long redraws = buf.toString().split("\r").length - 1;
    assertTrue(redraws >= 4, "the event, ticks, the end: " + buf);
    assertEquals(1, buf.toString().chars().filter(c -> c == '\n').count(), "one line: " + buf);
    assertFalse(printer.interrupt(), "nothing running after done()");
  }

  @Test
  void anInterruptEndsTheRunningLineAsItIs() {
    StringWriter buf = new StringWriter();
    ProgressPrinter printer =
        new ProgressPrinter(new PrintWriter(buf, true), true, false, () -> 0L, () -> 80);
    printer.show(p("ssh-ready", 8, "waiting for SSH", 0, 0));
    assertTrue(printer.interrupt());
    assertEquals("\r[8/7] waiting for SSH  0.0 s\033[K\n", buf.toString());
    // The call still running when Ctrl-C came may send more, and ends with done(): neither may
    // draw over what the interrupt prints next.
    printer.show(p("ssh-ready", 8, "still waiting", 0, 0));
    printer.done();
    assertEquals("\r[8/7] waiting for SSH  0.0 s\033[K\n", buf.toString());
  }

  @Test
  void narrowTerminalsAndControlCharactersAreFitted() {
    assertEquals("abcdefghijkl…  1.0 s", ProgressLine.fit("abcdefghijklmnopq", "  1.0 s", 21));
    assertEquals("a b  1.0 s", ProgressLine.fit("a\tb", "  1.0 s", 80));
    assertEquals("abcd", ProgressLine.fit("abcdefgh", "  1.0 s", 5));
    assertEquals("1 m 05 s", ProgressLine.clock(java.time.Duration.ofSeconds(65)));
    assertEquals("1 h 02 m", ProgressLine.clock(java.time.Duration.ofMinutes(62)));
    assertEquals(132, TerminalWidth.parse("43 132\n"));
    assertEquals(TerminalWidth.DEFAULT, TerminalWidth.parse("garbage"));
  }

  @Test
  void quietPrintsNothingEitherWay() {
    assertEquals("", render(false, true, PULL));
    assertEquals("", render(true, true, PULL));
  }

  @Test
  void terminalIsDecidedByTheDescriptorsTarget(@TempDir Path dir) throws Exception {
    Path pts = Files.createSymbolicLink(dir.resolve("pts"), Path.of("/dev/pts/3"));
    Path tty = Files.createSymbolicLink(dir.resolve("tty"), Path.of("/dev/tty1"));
    Path log = Files.createSymbolicLink(dir.resolve("log"), Path.of("/home/me/pull.log"));
    Path pipe = Files.createSymbolicLink(dir.resolve("pipe"), Path.of("pipe:[123456]"));
    Path devnull = Files.createSymbolicLink(dir.resolve("null"), Path.of("/dev/null"));
    assertTrue(ProgressPrinter.isTerminal(pts));
    assertTrue(ProgressPrinter.isTerminal(tty));
    assertFalse(ProgressPrinter.isTerminal(log), "2>pull.log gets plain lines");
    assertFalse(ProgressPrinter.isTerminal(pipe), "2>&1 | tee gets plain lines");
    assertFalse(ProgressPrinter.isTerminal(devnull));
    assertFalse(ProgressPrinter.isTerminal(dir.resolve("absent")), "no /proc: plain lines");
    // This JVM's own stderr is surefire's pipe or file, never a terminal.
    assertFalse(ProgressPrinter.isTerminal(Path.of("/proc/self/fd/2")));
  }

  /** A catalog build: banger's sentence for the stage, then mmdebstrap's own lines. */
  private static final List<Progress> BUILD =
      List.of(
          p("bootstrap", 2, "mmdebstrap bookworm (58 packages)", 0, 0),
          p("bootstrap", 2, "I: chroot architecture amd64 is equal to the host's", 0, 0).toBuilder()
              .setToolOutput(true)
              .build(),
          p("bootstrap", 2, "W: cannot find /tmp/staging/pull-1/etc/hostname", 0, 0).toBuilder()
              .setToolOutput(true)
              .build(),
          p("flatten", 3, "unpacking mmdebstrap's tarball", 0, 0));

  @Test
  void toolOutputIsHiddenUnlessVerbose() {
    assertEquals(
        """
        [2/7] mmdebstrap bookworm (58 packages)
        [3/7] unpacking mmdebstrap's tarball
        """,
        render(false, false, BUILD));
    StringWriter buf = new StringWriter();
    ProgressPrinter verbose =
        new ProgressPrinter(new PrintWriter(buf, true), false, false).verbose(true);
    BUILD.forEach(verbose::show);
    verbose.done();
    assertEquals(
        """
        [2/7] mmdebstrap bookworm (58 packages)
              I: chroot architecture amd64 is equal to the host's
              W: cannot find /tmp/staging/pull-1/etc/hostname
        [3/7] unpacking mmdebstrap's tarball
        """,
        buf.toString());
  }

  @Test
  void onATerminalHiddenToolOutputLeavesTheStageLineAndVerboseWritesItAbove() {
    String hidden = renderTimed(80, BUILD, 0, 1, 2, 3, 4);
    assertFalse(hidden.contains("I: chroot"), hidden);
    assertTrue(
        hidden.contains("\r[2/7] mmdebstrap bookworm (58 packages)  (3.0 s)\033[K\n"), hidden);

    StringWriter buf = new StringWriter();
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong();
    ProgressPrinter printer =
        new ProgressPrinter(new PrintWriter(buf, true), true, false, now::get, () -> 40)
            .verbose(true);
    printer.show(BUILD.get(0));
    now.set(1_000_000_000L);
    printer.show(BUILD.get(2));
    printer.done();
    String out = buf.toString();
    assertTrue(
        out.contains(
            "\r      W: cannot find /tmp/staging/pull…\033[K\n"
                + "\r[2/7] mmdebstrap bookworm (58 p…  1.0 s\033[K"),
        "the tool's line cut to the width, then the stage redrawn below it: " + out);
  }
}
