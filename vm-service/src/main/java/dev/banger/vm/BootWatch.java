package dev.banger.vm;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a booting guest's SSH, and restarts its VMM once when the boot stalls: the serial
 * console has printed nothing for {@link #STALL} and SSH is not up. Why: under TCG a guest kernel
 * now and then spins for good early in boot (seen here: both vCPUs busy, the console stopped at
 * "Loading compiled-in X.509 certificates" for the whole boot timeout), and the same disks boot
 * fine on a second try. A boot that keeps printing is never cut short; the restart is logged.
 */
final class BootWatch {

  static final Duration STALL = Duration.ofSeconds(90);
  private static final Logger LOG = LoggerFactory.getLogger(BootWatch.class);

  /** Waits for SSH until {@code timeout}; throws CancellationException when {@code stop} turns true. */
  interface Ready {
    void await(Duration timeout, BooleanSupplier stop) throws Exception;
  }

  /** Kills the stalled VMM and launches it again on the same disks and tap. */
  interface Relaunch {
    void run() throws Exception;
  }

  private final Duration stall;
  private final LongSupplier consoleBytes;
  private final LongSupplier nanoTime;

  BootWatch(Duration stall, LongSupplier consoleBytes, LongSupplier nanoTime) {
    this.stall = stall;
    this.consoleBytes = consoleBytes;
    this.nanoTime = nanoTime;
  }

  /** @return how many times the VMM was restarted (0 or 1) */
  int await(String vm, Duration timeout, BooleanSupplier cancelled, Ready ready, Relaunch relaunch) throws Exception {
    long deadline = nanoTime.getAsLong() + timeout.toNanos();
    for (int restarts = 0; ; restarts++) {
      Stall s = new Stall();
      boolean watching = restarts == 0;   // one restart; a second stall runs into the boot timeout
      try {
        ready.await(Duration.ofNanos(Math.max(1, deadline - nanoTime.getAsLong())),
            () -> cancelled.getAsBoolean() || (watching && s.stalled()));
        return restarts;
      } catch (CancellationException e) {
        if (cancelled.getAsBoolean() || !s.seen) {
          throw e;
        }
        LOG.warn("VM {}: its console printed nothing for {} s and SSH is not up: the boot stalled; restarting its"
            + " VMM once", vm, stall.toSeconds());
        relaunch.run();
      }
    }
  }

  /** Console growth since the last look; "stalled" once it has not grown for {@link #stall}. */
  private final class Stall {
    long size = -1;
    long since;
    boolean seen;

    boolean stalled() {
      long now = nanoTime.getAsLong();
      long bytes = consoleBytes.getAsLong();
      if (bytes != size) {
        size = bytes;
        since = now;
        return false;
      }
      seen = now - since >= stall.toNanos();
      return seen;
    }
  }
}
