package dev.banger.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConversationTest {

  final HostCommandRunner runner = new HostCommandRunner();

  @Test
  void answersArriveBeforeStdinCloses() throws Exception {
    try (Conversation c = runner.converse(Command.of("cat").build())) {
      c.send("first\n");
      assertEquals("first", c.readLine(Duration.ofSeconds(5)));
      c.send("second\nthird\n");
      assertEquals("second", c.readLine(Duration.ofSeconds(5)));
      CommandResult r = c.finish(Duration.ofSeconds(5));
      assertEquals(0, r.exitCode());
      assertEquals("third\n", r.stdoutText(), "finish returns the stdout not yet read");
    }
  }

  @Test
  void stderrIsCollectedAndEndOfStreamIsNull() throws Exception {
    try (Conversation c = runner.converse(Command.of("ls", "/definitely-not-here").build())) {
      assertNull(c.readLine(Duration.ofSeconds(5)));
      CommandResult r = c.finish(Duration.ofSeconds(5));
      assertTrue(r.exitCode() != 0);
      assertTrue(r.stderrText().contains("definitely-not-here"), r.stderrText());
    }
  }

  @Test
  void aSilentProgramTimesOutAndIsKilled() throws Exception {
    Conversation c = runner.converse(Command.of("sleep", "30").build());
    long t0 = System.nanoTime();
    CommandFailedException e =
        assertThrows(CommandFailedException.class, () -> c.readLine(Duration.ofMillis(200)));
    assertEquals(CommandFailedException.Kind.TIMED_OUT, e.kind());
    assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
    CommandResult r = c.finish(Duration.ofSeconds(5));
    assertTrue(r.exitCode() != 0, "killed");
    c.close();
  }

  @Test
  void closeKillsARunningProgram() throws Exception {
    Conversation c = runner.converse(Command.of("cat").build());
    c.close();
    CommandResult r = c.finish(Duration.ofSeconds(5));
    assertFalse(r.exitCode() == 0 && !r.stdoutText().isEmpty());
  }

  @Test
  void testDoublesSayTheyCannotConverse() {
    ScriptedCommandRunner scripted = new ScriptedCommandRunner();
    assertThrows(
        UnsupportedOperationException.class,
        () -> scripted.converse(Command.of("debugfs").build()));
  }
}
