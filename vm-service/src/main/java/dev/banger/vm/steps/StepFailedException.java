package dev.banger.vm.steps;

import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * A plan that stopped at {@link #step()} because of {@link #getCause()} and was rolled back. {@link
 * #failedUndos()} lists what could not be given back ("tap tb-…: reason"); empty means the host is
 * as it was.
 */
public final class StepFailedException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String step;
  private final List<String> failedUndos;

  StepFailedException(String step, Throwable cause, List<String> failedUndos) {
    super(message(step, cause, failedUndos), cause);
    this.step = step;
    this.failedUndos = List.copyOf(failedUndos);
  }

  public String step() {
    return step;
  }

  public List<String> failedUndos() {
    return failedUndos;
  }

  public boolean cancelled() {
    return getCause() instanceof CancellationException;
  }

  private static String message(String step, Throwable cause, List<String> failedUndos) {
    String why =
        cause instanceof CancellationException ? "cancelled" : "failed: " + cause.getMessage();
    String left =
        failedUndos.isEmpty()
            ? "rolled back"
            : "rolled back, except " + String.join("; ", failedUndos);
    return "step " + step + " " + why + " (" + left + ")";
  }
}
