package dev.banger.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A stalled boot is restarted once; a slow but printing boot, a cancel or a second stall are not. */
class BootWatchTest {

  final AtomicLong clock = new AtomicLong();
  final AtomicLong console = new AtomicLong();
  final AtomicInteger relaunches = new AtomicInteger();
  final BootWatch watch = new BootWatch(Duration.ofSeconds(90), console::get, clock::get);

  /** A guest whose SSH comes up after {@code upAfterPolls} polls of 5 s, its console as {@code grows} says. */
  BootWatch.Ready guest(int upAfterPolls, boolean grows) {
    return (timeout, stop) -> {
      for (int i = 0; ; i++) {
        if (stop.getAsBoolean()) {
          throw new CancellationException("stopped");
        }
        if (i >= upAfterPolls) {
          return;
        }
        clock.addAndGet(Duration.ofSeconds(5).toNanos());
        if (grows) {
          console.addAndGet(100);
        }
      }
    };
  }

  @Test
  void aBootThatKeepsPrintingIsNeverCutShort() throws Exception {
    assertEquals(0, watch.await("vm", Duration.ofMinutes(5), () -> false, guest(50, true), relaunches::incrementAndGet));
    assertEquals(0, relaunches.get());
  }

  @Test
  void aSilentBootIsRestartedOnceAndThenComesUp() throws Exception {
    int[] attempt = {0};
    BootWatch.Ready ready = (timeout, stop) -> {
      if (attempt[0]++ == 0) {
        guest(Integer.MAX_VALUE, false).await(timeout, stop);   // spins, prints nothing
      }
      guest(3, true).await(timeout, stop);
    };
    assertEquals(1, watch.await("vm", Duration.ofMinutes(5), () -> false, ready, relaunches::incrementAndGet));
    assertEquals(1, relaunches.get());
  }

  @Test
  void aSecondStallIsNotRestartedAgain() {
    BootWatch.Ready silent = (timeout, stop) -> {
      for (int i = 0; i < 100; i++) {
        if (stop.getAsBoolean()) {
          throw new CancellationException("stopped");
        }
        clock.addAndGet(Duration.ofSeconds(5).toNanos());
      }
      throw new IllegalStateException("ssh timed out");
    };
    assertThrows(IllegalStateException.class, () -> watch.await("vm", Duration.ofMinutes(5), () -> false, silent,
        relaunches::incrementAndGet), "the readiness timeout, after one restart");
    assertEquals(1, relaunches.get());
  }

  @Test
  void aCancelIsACancelNotAStall() {
    assertThrows(CancellationException.class, () -> watch.await("vm", Duration.ofMinutes(5), () -> true,
        guest(10, false), relaunches::incrementAndGet));
    assertEquals(0, relaunches.get());
  }
}
