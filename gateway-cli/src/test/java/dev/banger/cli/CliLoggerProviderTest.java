package dev.banger.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** The CLI's log lines: only what reaches the threshold, one "banger: " line each. */
class CliLoggerProviderTest {

  @Test
  void thresholdDefaultsToErrorAndReadsTheEnvironmentsSpelling() {
    assertEquals(Level.ERROR, CliLoggerProvider.threshold(null));
    assertEquals(Level.ERROR, CliLoggerProvider.threshold(" "));
    assertEquals(Level.ERROR, CliLoggerProvider.threshold("loud"));
    assertEquals(Level.WARN, CliLoggerProvider.threshold("warn"));
    assertEquals(Level.DEBUG, CliLoggerProvider.threshold(" DEBUG "));
  }

  @Test
  void printsOnlyMessagesAtOrAboveTheThreshold() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var log =
        new CliLoggerProvider.CliLogger(
            "io.grpc.x", Level.WARN, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    log.info("not shown {}", 1);
    log.debug("not shown either");
    log.warn("socket {} refused", "/run/banger/vm.sock");
    log.error("gave up", new IllegalStateException("closed"));
    assertEquals(
        "banger: socket /run/banger/vm.sock refused\nbanger: gave up: java.lang.IllegalStateException: closed\n",
        bytes.toString(StandardCharsets.UTF_8));
    assertTrue(log.isWarnEnabled() && log.isErrorEnabled() && !log.isInfoEnabled());
  }

  @Test
  void debugThresholdAddsTheStackTrace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    var log =
        new CliLoggerProvider.CliLogger(
            "x", Level.DEBUG, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    log.error("failed", new IllegalStateException("why"));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.startsWith("banger: failed: java.lang.IllegalStateException: why\n"), out);
    assertTrue(out.contains("\tat dev.banger.cli.CliLoggerProviderTest"), out);
  }
}
