package dev.banger.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code banger status}: one line per service, from its health endpoint ({@link ServiceHealth}).
 * Exit 0 when all four serve, 1 otherwise, so scripts can wait on it.
 */
@Command(
    name = "status",
    description = "Show whether each banger service is up.",
    mixinStandardHelpOptions = true)
final class StatusCommand implements java.util.concurrent.Callable<Integer> {

  @CommandLine.ParentCommand Banger parent;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @CommandLine.Mixin Output output;

  @Option(
      names = "--timeout",
      defaultValue = "2",
      paramLabel = "SECONDS",
      description = "Per-service deadline (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    boolean json = output.json(); // a bad value is refused before any probe
    List<ServiceHealth.Row> rows = ServiceHealth.probeAll(parent.layout(), timeoutSeconds);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(output.render(rows));
    } else {
      for (ServiceHealth.Row r : rows) {
        out.printf(
            "%-6s %-12s %s%s%n",
            r.service(),
            r.state(),
            r.socket(),
            r.detail().isEmpty() ? "" : "  (" + r.detail() + ")");
      }
    }
    return rows.stream().allMatch(ServiceHealth.Row::serving) ? 0 : 1;
  }
}
