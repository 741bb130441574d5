package dev.banger.vm.steps;

import dev.banger.kit.ops.Cancellation;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a plan of steps in order, timing and reporting each. When a step fails, or the caller
 * cancels between or inside steps, every undo registered so far runs in reverse order — the failed
 * step's partial undos first — so the host ends as it was before the operation. An undo that fails
 * does not stop the others: it is logged and reported with the original failure, so the caller can
 * say exactly what may be left behind.
 */
public final class StepRunner {

  private static final Logger LOG = LoggerFactory.getLogger(StepRunner.class);

  /** Told when a step starts and when it ends. */
  public interface Listener {
    void started(int index, int count, String step);

    void finished(int index, int count, String step, long millis);
  }

  /** How long each step took, in plan order. */
  public record Timing(String step, long millis) {}

  private StepRunner() {}

  /**
   * @return the timings of every step, when all succeeded; the registered undos are then dropped
   *     (the resources belong to the VM now)
   * @throws StepFailedException naming the step, carrying the cause (a {@link
   *     CancellationException} when cancelled) and any undo that failed
   */
  public static List<Timing> run(List<Step> plan, Listener listener, BooleanSupplier cancelled)
      throws StepFailedException {
    Deque<Registered> undos = new ArrayDeque<>();
    List<Timing> timings = new ArrayList<>();
    StepContext ctx =
        new StepContext() {
          @Override
          public void onUndo(String what, Undo undo) {
            undos.push(new Registered(what, undo));
          }

          @Override
          public boolean cancelled() {
            return Cancellation.requested(cancelled);
          }
        };
    for (int i = 0; i < plan.size(); i++) {
      Step step = plan.get(i);
      if (ctx.cancelled()) {
        throw rollBack(
            step.name(), new CancellationException("cancelled before " + step.name()), undos);
      }
      listener.started(i + 1, plan.size(), step.name());
      long t0 = System.nanoTime();
      try {
        step.run(ctx);
      } catch (Exception | Error e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw rollBack(step.name(), e, undos);
      }
      long ms = (System.nanoTime() - t0) / 1_000_000;
      timings.add(new Timing(step.name(), ms));
      listener.finished(i + 1, plan.size(), step.name(), ms);
    }
    return timings;
  }

  private record Registered(String what, StepContext.Undo undo) {}

  private static StepFailedException rollBack(
      String step, Throwable cause, Deque<Registered> undos) {
    // An interrupt must not stop the undos themselves: clear it, run them, restore it.
    boolean interrupted = Thread.interrupted();
    List<String> failedUndos = new ArrayList<>();
    while (!undos.isEmpty()) {
      Registered r = undos.pop();
      try {
        r.undo().run();
      } catch (Exception | Error e) {
        LOG.warn("undo of {} failed after {} failed: {}", r.what(), step, e.toString());
        failedUndos.add(r.what() + ": " + e.getMessage());
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return new StepFailedException(step, cause, failedUndos);
  }
}
