package dev.banger.kit.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A host program that cannot look at the cancel flag is killed when the flag is set. */
class CancelWatchTest {

  @Test
  void aCancelKillsTheRunningProgramWithinAFractionOfASecond() throws Exception {
    AtomicBoolean cancelled = new AtomicBoolean();
    HostCommandRunner runner = new HostCommandRunner();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                Thread.sleep(300);
              } catch (InterruptedException e) {
                return;
              }
              cancelled.set(true);
            });
    long start = System.nanoTime();
    CancellationException e =
        assertThrows(
            CancellationException.class,
            () ->
                CancelWatch.interruptOnCancel(
                    cancelled::get,
                    "the pull was cancelled",
                    () ->
                        runner.run(
                            Command.of("sleep", "30").timeout(Duration.ofSeconds(60)).build())));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertEquals("the pull was cancelled", e.getMessage());
    assertTrue(ms < 2_000, "stopped after " + ms + " ms, not after the program's 30 s");
    assertFalse(Thread.currentThread().isInterrupted(), "the interrupt was the step's only");
  }

  @Test
  void aStepThatEndsFirstIsNeitherInterruptedNorChanged() throws Exception {
    HostCommandRunner runner = new HostCommandRunner();
    var r =
        CancelWatch.interruptOnCancel(
            () -> false, "x", () -> runner.run(Command.of("true").build()));
    assertTrue(r.succeeded());
    assertFalse(Thread.currentThread().isInterrupted());
    assertThrows(
        CancellationException.class,
        () -> CancelWatch.interruptOnCancel(() -> true, "already", () -> "never run"),
        "a flag set before the step starts stops it before it runs");
  }
}
