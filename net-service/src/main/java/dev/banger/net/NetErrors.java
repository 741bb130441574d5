package dev.banger.net;

import dev.banger.kit.grpc.Errors;
import dev.banger.kit.process.CommandFailedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.sql.SQLException;
import java.util.Map;

/**
 * Turns host-tool, database and other failures into gRPC statuses with ErrorInfo
 * (docs/architecture.md §3).
 */
final class NetErrors {

  private NetErrors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof CommandFailedException c) {
      return Errors.of(
          Status.INTERNAL.withDescription(c.getMessage()),
          "TOOL_FAILED",
          Map.of("tool", c.result() == null ? "" : c.result().command().program()));
    }
    if (t instanceof SQLException s) {
      return Errors.of(
          Status.INTERNAL.withDescription("net-service database: " + s.getMessage()),
          "DATABASE",
          Map.of());
    }
    return Errors.of(
        Status.INTERNAL.withDescription(t.getClass().getSimpleName() + ": " + t.getMessage()),
        "INTERNAL",
        Map.of());
  }
}
