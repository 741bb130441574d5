package dev.banger.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Each service's grpc.health answer on its socket: the one probe {@code status} and {@code doctor}
 * share.
 */
public final class ServiceHealth {

  private ServiceHealth() {}

  public record Row(
      String service,
      String state,
      String socket,
      String detail,
      @JsonProperty("latency_ms") long millis) {
    public boolean serving() {
      return state.equals("SERVING");
    }
  }

  /** All four at once (the common pool has one thread on a 2-core machine, so virtual threads). */
  public static List<Row> probeAll(StateLayout layout, int timeoutSeconds) {
    try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
      List<CompletableFuture<Row>> probes = new ArrayList<>();
      for (ServiceName s : ServiceName.values()) {
        probes.add(
            CompletableFuture.supplyAsync(() -> probe(s, layout.socket(s), timeoutSeconds), pool));
      }
      return probes.stream().map(CompletableFuture::join).toList();
    }
  }

  static Row probe(ServiceName s, Path socket, int timeoutSeconds) {
    long t0 = System.nanoTime();
    if (!Files.exists(socket)) {
      return new Row(
          s.id(),
          "DOWN",
          socket.toString(),
          "no socket: is bangerd running? try 'bangerd --all --state-dir DIR'",
          0);
    }
    ManagedChannel ch = UnixChannels.forSocket(socket);
    try {
      var status =
          HealthGrpc.newBlockingStub(ch)
              .withDeadlineAfter(timeoutSeconds, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance())
              .getStatus();
      long ms = (System.nanoTime() - t0) / 1_000_000;
      return new Row(s.id(), status.name(), socket.toString(), ms + " ms", ms);
    } catch (StatusRuntimeException e) {
      long ms = (System.nanoTime() - t0) / 1_000_000;
      String why =
          switch (e.getStatus().getCode()) {
            case PERMISSION_DENIED -> "refused: " + e.getStatus().getDescription();
            case UNAVAILABLE -> "unreachable: " + e.getStatus().getDescription();
            case DEADLINE_EXCEEDED -> "no answer within " + timeoutSeconds + " s";
            default -> e.getStatus().getCode() + ": " + e.getStatus().getDescription();
          };
      return new Row(
          s.id(),
          e.getStatus().getCode() == io.grpc.Status.Code.PERMISSION_DENIED ? "DENIED" : "DOWN",
          socket.toString(),
          why,
          ms);
    } finally {
      ch.shutdownNow();
    }
  }
}
