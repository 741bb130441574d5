package dev.banger.kit.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostCommandRunnerTest {

  private final HostCommandRunner runner = new HostCommandRunner();

  @Test
  void argumentsReachTheProgramVerbatimWithNoShellInBetween() throws Exception {
    String hostile = "a b; $(touch /tmp/banger-pwned) `id` \"q\" 'x' * ~ \\n";
    CommandResult r = runner.check(Command.of("printf", "%s", hostile).build());
    assertEquals(hostile, r.stdoutText());
    assertFalse(Files.exists(Path.of("/tmp/banger-pwned")));
  }

  @Test
  void interactiveHandsOverTheTerminalAndReturnsTheExitStatus(@TempDir Path dir) throws Exception {
    // The child writes where this JVM's own stdout goes (inherited, not piped), and its status
    // comes back.
    Path marker = dir.resolve("ran");
    assertEquals(
        7,
        runner.interactive(
            Command.of("sh", "-c", "touch \"$0\"; exit 7", marker.toString()).build()));
    assertTrue(Files.exists(marker));
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () -> runner.interactive(Command.of("/nonexistent/banger-no-such-program").build()));
    assertEquals(CommandFailedException.Kind.NOT_FOUND, e.kind());
  }

  @Test
  void stdinIsFedAndLargeOutputDoesNotDeadlock() throws Exception {
    byte[] big = new byte[4 * 1024 * 1024];
    new Random(7).nextBytes(big);
    CommandResult r = runner.check(Command.of("cat").stdin(big).build());
    assertArrayEquals(big, r.stdout());
  }

  @Test
  void nonZeroExitCarriesStatusAndStderrInTheError() {
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () -> runner.check(Command.of("sh", "-c", "echo boom-detail >&2; exit 3").build()));
    assertEquals(CommandFailedException.Kind.NON_ZERO_EXIT, e.kind());
    assertEquals(3, e.result().exitCode());
    assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
    assertTrue(e.getMessage().contains("boom-detail"), e.getMessage());
  }

  @Test
  void runReturnsNonZeroWithoutThrowing() throws Exception {
    assertEquals(1, runner.run(Command.of("false").build()).exitCode());
  }

  @Test
  void timeoutKillsTheProcessTree(@TempDir Path dir) throws Exception {
    Path marker = dir.resolve("survived");
    long t0 = System.nanoTime();
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () ->
                runner.run(
                    Command.of("sh", "-c", "sleep 3 && touch " + marker)
                        .timeout(Duration.ofMillis(300))
                        .build()));
    assertEquals(CommandFailedException.Kind.TIMED_OUT, e.kind());
    assertTrue(
        Duration.ofNanos(System.nanoTime() - t0).toMillis() < 2500, "did not wait for the sleep");
    Thread.sleep(3500);
    assertFalse(Files.exists(marker), "child of the timed-out command kept running");
  }

  @Test
  void outputAlreadyWrittenIsKeptWhenADaemonisedChildHoldsThePipe() throws Exception {
    long t0 = System.nanoTime();
    CommandResult r =
        runner.run(Command.of("sh", "-c", "echo visible; (sleep 6 &) ; exit 4").build());
    assertEquals(4, r.exitCode());
    assertEquals("visible\n", r.stdoutText());
    assertTrue(
        Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 15,
        "did not wait for the grandchild");
  }

  @Test
  void timedOutCommandStillReportsItsOutputSoFar() {
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () ->
                runner.run(
                    Command.of("sh", "-c", "echo progress-line >&2; sleep 10")
                        .timeout(Duration.ofMillis(500))
                        .build()));
    assertTrue(e.getMessage().contains("progress-line"), e.getMessage());
  }

  @Test
  void missingProgramIsNamed() {
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class,
            () -> runner.run(Command.of("banger-no-such-tool-xyz").build()));
    assertEquals(CommandFailedException.Kind.NOT_FOUND, e.kind());
    assertTrue(e.getMessage().startsWith("banger-no-such-tool-xyz: not found"), e.getMessage());
  }

  @Test
  void nulBytesAndEmptyArgvAreRejectedBeforeAnythingRuns() {
    assertThrows(IllegalArgumentException.class, () -> Command.of("echo", "a\0b").build());
    assertThrows(IllegalArgumentException.class, () -> Command.of(java.util.List.of()).build());
  }

  @Test
  void startedProcessCanBeStoppedAndLogsToItsFile(@TempDir Path dir) throws Exception {
    Path log = dir.resolve("out.log");
    try (RunningProcess p =
        runner.start(Command.of("sh", "-c", "echo started; exec sleep 60").build(), log)) {
      assertTrue(p.isAlive());
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (!Files.readString(log).contains("started") && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals("started\n", Files.readString(log));
      p.stop(Duration.ofSeconds(5));
      assertFalse(p.isAlive());
    }
  }
}
