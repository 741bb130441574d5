package dev.banger.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Commands over several names ({@code vm stop a b}, {@code image rm x y}): one call per name, all
 * at once (the services serialise per name, never across names). Each outcome is one line, in the
 * order given; the exit code is 1 when any failed.
 */
public final class FanOut {

  private FanOut() {}

  public static int each(
      List<String> refs,
      Function<String, String> act,
      PrintWriter out,
      PrintWriter err,
      boolean debug) {
    int failed = 0;
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> results = new ArrayList<>();
      for (String ref : refs) {
        results.add(pool.submit(() -> act.apply(ref)));
      }
      for (Future<String> r : results) {
        try {
          out.println(r.get());
        } catch (ExecutionException e) {
          failed++;
          CliException ce = CliErrors.from(e.getCause());
          err.println("banger: " + ce.getMessage());
          if (debug && ce.debug != null) {
            err.println("  " + ce.debug);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return 130;
        }
      }
    }
    return failed == 0 ? 0 : 1;
  }
}
