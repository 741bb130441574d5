package dev.banger.vm.app.start;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A stuck boot is restarted once: a kernel report of a stuck CPU at once, console silence before
 * the login prompt after the silence limit. A printing boot, an idle booted guest, a cancel or a
 * second stall are not restarted.
 */
class BootWatchTest {

  final AtomicLong clock = new AtomicLong();
  final StringBuilder console = new StringBuilder();
  final AtomicInteger relaunches = new AtomicInteger();
  final BootWatch.Console fake =
      new BootWatch.Console() {
        @Override
        public long size() {
          return console.length();
        }

        @Override
        public String read(long from, int max) {
          return console.substring((int) from, (int) Math.min(console.length(), from + max));
        }
      };
  final BootWatch watch =
      new BootWatch(new BootWatch.Settings(Duration.ofSeconds(90)), fake, clock::get);

  /**
   * A guest whose SSH is up after {@code upAfterPolls} polls of 5 s, printing {@code line} each
   * poll.
   */
  BootWatch.Ready guest(int upAfterPolls, String line) {
    return (timeout, stop) -> {
      for (int i = 0; ; i++) {
        if (stop.getAsBoolean()) {
          throw new CancellationException("stopped");
        }
        if (i >= upAfterPolls) {
          return;
        }
        clock.addAndGet(Duration.ofSeconds(5).toNanos());
        console.append(line);
      }
    };
  }

  @Test
  void aBootThatKeepsPrintingIsNeverCutShort() throws Exception {
    assertEquals(
        0,
        watch.await(
            "vm",
            Duration.ofMinutes(5),
            () -> false,
            guest(50, "[ ok ] x\n"),
            relaunches::incrementAndGet));
    assertEquals(0, relaunches.get());
  }

  @Test
  void aSilentBootIsRestartedOnceAndThenComesUp() throws Exception {
    int[] attempt = {0};
    BootWatch.Ready ready =
        (timeout, stop) -> {
          if (attempt[0]++ == 0) {
            guest(Integer.MAX_VALUE, "").await(timeout, stop); // spins, prints nothing
          }
          guest(3, "x\n").await(timeout, stop);
        };
    assertEquals(
        1,
        watch.await("vm", Duration.ofMinutes(5), () -> false, ready, relaunches::incrementAndGet));
    assertEquals(1, relaunches.get());
  }

  @Test
  void aStuckCpuReportRestartsAtOnceThoughTheConsoleKeepsPrinting() throws Exception {
    int[] attempt = {0};
    long[] restartedAt = {-1};
    BootWatch.Ready ready =
        (timeout, stop) -> {
          if (attempt[0]++ == 0) {
            console.append("[   31.2] rcu: INFO: rcu_preempt self-detected stall on CPU\n");
            guest(
                    Integer.MAX_VALUE,
                    "[   45.0] watchdog: BUG: soft lockup - CPU#0 stuck for 45s!\n")
                .await(timeout, stop);
          }
          guest(2, "x\n").await(timeout, stop);
        };
    assertEquals(
        1,
        watch.await(
            "vm",
            Duration.ofMinutes(5),
            () -> false,
            ready,
            () -> {
              restartedAt[0] = clock.get();
              relaunches.incrementAndGet();
            }));
    assertEquals(0, restartedAt[0], "restarted at the first look, not after 90 s of silence");
  }

  @Test
  void aReportSplitBetweenTwoLooksIsStillSeen() throws Exception {
    BootWatch.Ready ready =
        (timeout, stop) -> {
          console.append("watchdog: BUG: soft lock");
          clock.addAndGet(Duration.ofSeconds(5).toNanos());
          if (stop.getAsBoolean()) {
            throw new CancellationException("first look: nothing yet");
          }
          console.append("up - CPU#1 stuck for 22s!\n");
          clock.addAndGet(Duration.ofSeconds(5).toNanos());
          if (stop.getAsBoolean()) {
            throw new CancellationException("stuck");
          }
        };
    int[] attempt = {0};
    BootWatch.Ready once =
        (timeout, stop) -> {
          if (attempt[0]++ == 0) {
            ready.await(timeout, stop);
            throw new IllegalStateException("the report was not seen");
          }
        };
    assertEquals(
        1,
        watch.await("vm", Duration.ofMinutes(5), () -> false, once, relaunches::incrementAndGet));
  }

  @Test
  void anIdleGuestAtItsLoginPromptIsNotStalled() {
    BootWatch.Ready ready =
        (timeout, stop) -> {
          console.append("Debian GNU/Linux 12 vm ttyS0\n\nvm login: ");
          for (int i = 0; i < 60; i++) { // five minutes of silence after the prompt
            if (stop.getAsBoolean()) {
              throw new CancellationException("stopped");
            }
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
          }
          throw new IllegalStateException("ssh: no route to host");
        };
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                watch.await(
                    "vm", Duration.ofMinutes(5), () -> false, ready, relaunches::incrementAndGet));
    assertEquals("ssh: no route to host", e.getMessage(), "the readiness failure, unchanged");
    assertEquals(0, relaunches.get());
  }

  @Test
  void aSecondStallIsNotRestartedAgainAndTheFailureSaysWhyItRestarted() {
    BootWatch.Ready silent =
        (timeout, stop) -> {
          for (int i = 0; i < 100; i++) {
            if (stop.getAsBoolean()) {
              throw new CancellationException("stopped");
            }
            clock.addAndGet(Duration.ofSeconds(5).toNanos());
          }
          throw new IllegalStateException("ssh timed out");
        };
    BootWatch.RestartedBootFailed e =
        assertThrows(
            BootWatch.RestartedBootFailed.class,
            () ->
                watch.await(
                    "vm", Duration.ofMinutes(5), () -> false, silent, relaunches::incrementAndGet),
            "the readiness timeout, after one restart");
    assertTrue(
        e.getMessage()
            .startsWith(
                "ssh timed out (the boot was restarted once because its console printed"
                    + " nothing for 90 s)"),
        e.getMessage());
    assertEquals(1, relaunches.get());
  }

  @Test
  void aCancelIsACancelNotAStall() {
    assertThrows(
        CancellationException.class,
        () ->
            watch.await(
                "vm",
                Duration.ofMinutes(5),
                () -> true,
                guest(10, ""),
                relaunches::incrementAndGet));
    assertEquals(0, relaunches.get());
  }
}
