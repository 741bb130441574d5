package dev.banger.kit.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;

/**
 * gRPC errors the banger way (docs/architecture.md §3): a canonical status code, one clear
 * sentence, and a {@code google.rpc.ErrorInfo} detail with a machine-readable reason, domain
 * "banger.dev" and metadata (the offending field, the name that was not found…).
 */
public final class Errors {

  public static final String DOMAIN = "banger.dev";

  private Errors() {}

  public static StatusRuntimeException of(
      Status status, String reason, Map<String, String> metadata) {
    ErrorInfo info =
        ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build();
    com.google.rpc.Status rpc =
        com.google.rpc.Status.newBuilder()
            .setCode(status.getCode().value())
            .setMessage(status.getDescription() == null ? "" : status.getDescription())
            .addDetails(Any.pack(info))
            .build();
    return StatusProto.toStatusRuntimeException(rpc);
  }

  public static StatusRuntimeException invalidArgument(String field, String sentence) {
    return of(
        Status.INVALID_ARGUMENT.withDescription(sentence),
        "INVALID_ARGUMENT",
        Map.of("field", field));
  }

  public static StatusRuntimeException notFound(String kind, String name) {
    return of(
        Status.NOT_FOUND.withDescription(kind + " \"" + name + "\" not found"),
        kind.toUpperCase(java.util.Locale.ROOT).replace(' ', '_') + "_NOT_FOUND",
        Map.of(kind, name));
  }

  public static StatusRuntimeException unimplemented(String fullMethod, String detail) {
    return of(
        Status.UNIMPLEMENTED.withDescription(fullMethod + " is not implemented yet: " + detail),
        "NOT_YET_IMPLEMENTED",
        Map.of("method", fullMethod));
  }

  /**
   * Closes a call with the status and ErrorInfo, for interceptors that answer without a handler.
   */
  public static void close(
      ServerCall<?, ?> call, Status status, String reason, Map<String, String> metadata) {
    close(call, of(status, reason, metadata));
  }

  /** Closes a call with an error built by this class (status plus ErrorInfo trailers). */
  public static void close(ServerCall<?, ?> call, StatusRuntimeException e) {
    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
  }

  /** The ErrorInfo of a status exception, if it carries one. */
  public static java.util.Optional<ErrorInfo> errorInfo(Throwable t) {
    com.google.rpc.Status s = StatusProto.fromThrowable(t);
    if (s == null) {
      return java.util.Optional.empty();
    }
    for (Any a : s.getDetailsList()) {
      if (a.is(ErrorInfo.class)) {
        try {
          return java.util.Optional.of(a.unpack(ErrorInfo.class));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          return java.util.Optional.empty();
        }
      }
    }
    return java.util.Optional.empty();
  }
}
