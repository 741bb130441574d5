package dev.banger.disk;

import dev.banger.ext4.Ext4Exception;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;

/** Turns toolkit and I/O failures into gRPC statuses with ErrorInfo (docs/architecture.md §3). */
final class DiskErrors {

  private DiskErrors() {}

  static StatusRuntimeException toStatus(Throwable t, String imageField) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof Ext4Exception e) {
      return switch (e.kind()) {
        case INVALID_ARGUMENT ->
            Errors.of(
                Status.INVALID_ARGUMENT.withDescription(e.getMessage()),
                "INVALID_ARGUMENT",
                Map.of());
        case NOT_AN_IMAGE ->
            Errors.of(
                Status.INVALID_ARGUMENT.withDescription(e.getMessage()),
                "NOT_AN_EXT4_IMAGE",
                Map.of("field", imageField));
        case NOT_FOUND ->
            Errors.of(
                Status.NOT_FOUND.withDescription(e.getMessage()), "GUEST_PATH_NOT_FOUND", Map.of());
        case WRONG_TYPE ->
            Errors.of(
                Status.FAILED_PRECONDITION.withDescription(e.getMessage()),
                "WRONG_FILE_TYPE",
                Map.of());
        case OUT_OF_RANGE ->
            Errors.of(
                Status.INVALID_ARGUMENT.withDescription(e.getMessage()), "OUT_OF_RANGE", Map.of());
        case PERMISSION ->
            Errors.of(
                Status.FAILED_PRECONDITION.withDescription(e.getMessage()),
                "PRIVILEGE_MISSING",
                Map.of());
        case TOOL_FAILED ->
            Errors.of(Status.INTERNAL.withDescription(e.getMessage()), "TOOL_FAILED", Map.of());
      };
    }
    return Errors.of(
        Status.INTERNAL.withDescription(t.getClass().getSimpleName() + ": " + t.getMessage()),
        "INTERNAL",
        Map.of());
  }
}
