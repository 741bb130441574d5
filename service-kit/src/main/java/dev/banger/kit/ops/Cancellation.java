package dev.banger.kit.ops;

import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * The one test long work makes between its steps: the caller cancelled (the operation's flag, set
 * by Operations.Cancel or the client going away) or the thread was interrupted (a shutdown).
 */
public final class Cancellation {

  private Cancellation() {}

  public static boolean requested(BooleanSupplier cancelled) {
    return cancelled.getAsBoolean() || Thread.currentThread().isInterrupted();
  }

  /**
   * @throws CancellationException with {@code message} when {@link #requested}
   */
  public static void check(BooleanSupplier cancelled, String message) {
    if (requested(cancelled)) {
      throw new CancellationException(message);
    }
  }
}
