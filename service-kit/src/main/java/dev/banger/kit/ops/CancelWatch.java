package dev.banger.kit.ops;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Makes a blocking step cancellable that cannot look at the flag itself (a host program such as
 * {@code mkfs.ext4 -d} or debugfs, run to completion by the command runner): while the step runs, a
 * watcher polls the operation's flag and interrupts the step's thread once it is set; the command
 * runner kills the program's process tree when its waiting thread is interrupted.
 */
public final class CancelWatch {

  /** How often the flag is read: a cancel stops the program within about this long. */
  static final Duration POLL = Duration.ofMillis(50);

  /** A step that may fail. */
  @FunctionalInterface
  public interface Step<T> {
    T run() throws Exception;
  }

  private CancelWatch() {}

  /**
   * Runs {@code step}, interrupted when {@code cancelled} turns true. A step that fails once the
   * flag is set (killed, or failing for any reason meanwhile) ends in a {@link
   * CancellationException} with {@code message}; the thread's interrupt status is as before.
   */
  public static <T> T interruptOnCancel(BooleanSupplier cancelled, String message, Step<T> step)
      throws Exception {
    Cancellation.check(cancelled, message);
    Thread owner = Thread.currentThread();
    Object lock = new Object();
    boolean[] done = {false};
    boolean[] fired = {false};
    Thread watcher =
        Thread.ofVirtual()
            .name("cancel-watch-" + owner.getName())
            .start(
                () -> {
                  try {
                    while (true) {
                      synchronized (lock) {
                        if (done[0]) {
                          return;
                        }
                        if (cancelled.getAsBoolean()) {
                          fired[0] = true;
                          owner.interrupt();
                          return;
                        }
                      }
                      Thread.sleep(POLL);
                    }
                  } catch (InterruptedException e) {
                    // closed
                  }
                });
    try {
      return step.run();
    } catch (Exception e) {
      if (cancelled.getAsBoolean()) {
        CancellationException c = new CancellationException(message);
        c.initCause(e);
        throw c;
      }
      throw e;
    } finally {
      synchronized (lock) {
        done[0] = true;
      }
      watcher.interrupt();
      if (fired[0]) {
        Thread.interrupted(); // the watcher's interrupt was for the step only
      }
    }
  }
}
