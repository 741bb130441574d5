package dev.banger.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code banger status}: one line per service, from its health endpoint. Exit 0 when all four
 * serve, 1 otherwise, so scripts can wait on it.
 */
@Command(name = "status", description = "Show whether each banger service is up.", mixinStandardHelpOptions = true)
final class StatusCommand implements java.util.concurrent.Callable<Integer> {

  @CommandLine.ParentCommand Banger parent;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table or json")
  String output;

  @Option(names = "--timeout", defaultValue = "2", paramLabel = "SECONDS", description = "Per-service deadline (default ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  record Row(String service, String state, String socket, String detail,
      @com.fasterxml.jackson.annotation.JsonProperty("latency_ms") long millis) {}

  @Override
  public Integer call() throws Exception {
    if (!output.equals("table") && !output.equals("json")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--output must be table or json, got \"" + output + "\"");
    }
    StateLayout layout = parent.layout();
    List<Row> rows;
    // All four at once (the common pool has one thread on a 2-core machine).
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Row>> probes = new ArrayList<>();
      for (ServiceName s : ServiceName.values()) {
        probes.add(CompletableFuture.supplyAsync(() -> probe(s, layout.socket(s)), pool));
      }
      rows = probes.stream().map(CompletableFuture::join).toList();
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.equals("json")) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
    } else {
      for (Row r : rows) {
        out.printf("%-6s %-12s %s%s%n", r.service(), r.state(), r.socket(),
            r.detail().isEmpty() ? "" : "  (" + r.detail() + ")");
      }
    }
    return rows.stream().allMatch(r -> r.state().equals("SERVING")) ? 0 : 1;
  }

  private Row probe(ServiceName s, Path socket) {
    long t0 = System.nanoTime();
    if (!Files.exists(socket)) {
      return new Row(s.id(), "DOWN", socket.toString(), "no socket: is bangerd running? try 'bangerd --all --state-dir DIR'", 0);
    }
    ManagedChannel ch = UnixChannels.forSocket(socket);
    try {
      var status = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      return new Row(s.id(), status.name(), socket.toString(), ms + " ms", ms);
    } catch (StatusRuntimeException e) {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      String why = switch (e.getStatus().getCode()) {
        case PERMISSION_DENIED -> "refused: " + e.getStatus().getDescription();
        case UNAVAILABLE -> "unreachable: " + e.getStatus().getDescription();
        case DEADLINE_EXCEEDED -> "no answer within " + timeoutSeconds + " s";
        default -> e.getStatus().getCode() + ": " + e.getStatus().getDescription();
      };
      return new Row(s.id(), e.getStatus().getCode() == io.grpc.Status.Code.PERMISSION_DENIED ? "DENIED" : "DOWN",
          socket.toString(), why, ms);
    } finally {
      ch.shutdownNow();
    }
  }
}
