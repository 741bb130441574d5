package dev.banger.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CommandRunner#stream} on real processes: the stdout stream, stderr lines, and stopping a
 * whole tree.
 */
class StreamedProcessTest {

  private final HostCommandRunner runner = new HostCommandRunner();

  @Test
  void stdoutStreamsWhileStderrArrivesLineByLine() throws Exception {
    List<String> lines = new CopyOnWriteArrayList<>();
    try (StreamedProcess p =
        runner.stream(
            Command.of(
                    "sh",
                    "-c",
                    "echo first >&2; head -c 3000000 /dev/zero; echo second >&2; exit 4")
                .build(),
            lines::add)) {
      long n = p.stdout().transferTo(java.io.OutputStream.nullOutputStream());
      CommandResult r = p.finish(Duration.ofSeconds(10));
      assertEquals(3_000_000, n);
      assertEquals(4, r.exitCode());
      assertEquals(List.of("first", "second"), lines);
      assertEquals("first\nsecond\n", r.stderrText(), "the tail is kept for the result");
    }
  }

  @Test
  void stopSendsTermToEveryProcessOfTheTreeSoEachCanCleanUp(@TempDir Path dir) throws Exception {
    // The child traps TERM and leaves a marker: proof it got the signal itself, not just its
    // parent.
    String child =
        "trap 'touch " + dir.resolve("child-cleaned") + "; exit 0' TERM; sleep 300 & wait";
    StreamedProcess p =
        runner.stream(
            Command.of("sh", "-c", "sh -c \"$0\" & echo started >&2; wait", child).build(),
            l -> {});
    // Child shell and its sleep: by then the trap is set.
    waitFor(
        () ->
            ProcessHandle.of(p.pid()).orElseThrow().descendants().count() >= 2
                && ProcessHandle.of(p.pid())
                    .orElseThrow()
                    .descendants()
                    .anyMatch(h -> h.info().command().orElse("").endsWith("sleep")));
    List<ProcessHandle> tree = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
    p.stop(Duration.ofSeconds(10));
    waitFor(() -> Files.exists(dir.resolve("child-cleaned")));
    assertTrue(Files.exists(dir.resolve("child-cleaned")), "the child ran its TERM trap");
    waitFor(() -> tree.stream().noneMatch(ProcessHandle::isAlive));
    assertTrue(
        tree.stream().noneMatch(ProcessHandle::isAlive), "nothing of the tree is left: " + tree);
  }

  @Test
  void childrenForkedWhileStoppingGetTheSignalToo(@TempDir Path dir) throws Exception {
    // Like mmdebstrap extracting: a parent that waits out TERM and forks one short-lived child per
    // item. The parent records how each child ended: 0 if it ran its course, 1 if its trap caught
    // TERM, 143 if TERM reached it before its trap was set (a busy machine widens that window, so
    // the test counts both rather than only the trap's marker).
    Path ends = dir.resolve("ends");
    String child = "trap 'exit 1' TERM; sleep 0.3 & wait";
    StreamedProcess p =
        runner.stream(
            Command.of(
                    "sh",
                    "-c",
                    "trap 'echo ignoring TERM >&2' TERM; while true; do sh -c \"$0\"; echo $? >> \"$1\";"
                        + " done",
                    child,
                    ends.toString())
                .build(),
            l -> {});
    // One child has ended, so the parent shell has set its TERM trap: a descendant alone could be
    // that shell before its first line, which TERM ends at once (no statuses at all).
    waitFor(() -> Files.exists(ends));
    p.stop(Duration.ofSeconds(3));
    List<String> statuses = Files.exists(ends) ? Files.readAllLines(ends) : List.of();
    long signalled = statuses.stream().filter(s -> !s.equals("0")).count();
    // A single TERM (the old way) reaches one child; the parent then forks the next, unsignalled,
    // and every later child ends with 0.
    assertTrue(
        signalled >= 2,
        "children born during the grace period were signalled too; exit statuses: " + statuses);
  }

  @Test
  void aWriterBlockedOnAFullPipeIsFreedByClosingOurEnd() throws Exception {
    // head ignores TERM (inherited) and blocks writing: only EPIPE (SIGPIPE) can end it before the
    // grace.
    StreamedProcess p =
        runner.stream(
            Command.of("sh", "-c", "trap '' TERM; head -c 50000000 /dev/zero").build(), l -> {});
    p.stdout().readNBytes(10); // it is writing
    long t0 = System.nanoTime();
    p.stop(Duration.ofSeconds(20));
    assertTrue(
        Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10, "did not wait out the grace");
    assertFalse(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void whatIgnoresTermIsKilledAfterTheGrace() throws Exception {
    StreamedProcess p =
        runner.stream(Command.of("sh", "-c", "trap '' TERM; sleep 300 & wait").build(), l -> {});
    waitFor(() -> ProcessHandle.of(p.pid()).orElseThrow().descendants().count() >= 1);
    List<ProcessHandle> tree = ProcessHandle.of(p.pid()).orElseThrow().descendants().toList();
    long t0 = System.nanoTime();
    p.stop(Duration.ofMillis(500));
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 8);
    waitFor(() -> tree.stream().noneMatch(ProcessHandle::isAlive));
    assertFalse(ProcessHandle.of(p.pid()).map(ProcessHandle::isAlive).orElse(false));
    assertTrue(tree.stream().noneMatch(ProcessHandle::isAlive), "sleep was killed too");
  }

  @Test
  void theCommandTimeoutStopsTheTreeAndFinishSaysSo() throws Exception {
    try (StreamedProcess p =
        runner.stream(
            Command.of("sh", "-c", "echo going >&2; sleep 300")
                .timeout(Duration.ofMillis(1500))
                .build(),
            l -> {})) {
      try {
        p.stdout()
            .transferTo(java.io.OutputStream.nullOutputStream()); // ends once the tree is stopped
      } catch (java.io.IOException e) {
        // stop() closed the stream under us: the same end.
      }
      CommandFailedException e =
          assertThrows(CommandFailedException.class, () -> p.finish(Duration.ofSeconds(20)));
      assertEquals(CommandFailedException.Kind.TIMED_OUT, e.kind());
      assertTrue(e.getMessage().contains("going"), e.getMessage());
    }
  }

  @Test
  void aMissingProgramIsNotFound() {
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () -> runner.stream(Command.of("banger-no-such-program").build(), l -> {}));
    assertEquals(CommandFailedException.Kind.NOT_FOUND, e.kind());
  }

  private static void waitFor(java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
