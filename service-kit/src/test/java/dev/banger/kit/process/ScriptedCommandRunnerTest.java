package dev.banger.kit.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ScriptedCommandRunnerTest {

  @Test
  void answersInOrderAndRecordsHistory() throws Exception {
    ScriptedCommandRunner r =
        new ScriptedCommandRunner()
            .expect("ip", "link", "show")
            .thenSucceed("1: lo\n")
            .expect("nft", "-f", "-")
            .thenReturn(1, "", "syntax error");
    assertEquals("1: lo\n", r.run(Command.of("ip", "link", "show").build()).stdoutText());
    CommandFailedException e =
        assertThrows(
            CommandFailedException.class, () -> r.check(Command.of("nft", "-f", "-").build()));
    assertTrue(e.getMessage().contains("syntax error"));
    assertEquals(2, r.history().size());
    r.verifyAllConsumed();
  }

  @Test
  void unexpectedCommandFailsLoudly() {
    ScriptedCommandRunner r = new ScriptedCommandRunner().expect("true").thenSucceed("");
    AssertionError e =
        assertThrows(AssertionError.class, () -> r.run(Command.of("rm", "-rf", "/").build()));
    assertTrue(e.getMessage().contains("expected: true"), e.getMessage());
  }

  @Test
  void unconsumedExpectationsAreReported() {
    ScriptedCommandRunner r = new ScriptedCommandRunner().expect("true").thenSucceed("");
    assertThrows(AssertionError.class, r::verifyAllConsumed);
  }

  @Test
  void emptyScriptRejectsEverything() {
    assertThrows(
        AssertionError.class, () -> new ScriptedCommandRunner().run(Command.of("true").build()));
  }
}
