package dev.banger.image.api;

import dev.banger.ext4.Ext4Exception;
import dev.banger.image.app.ImageProblem;
import dev.banger.image.flatten.LayerRejectedException;
import dev.banger.image.kernel.KernelFormatException;
import dev.banger.image.kernel.KernelSourceException;
import dev.banger.image.oci.RegistryException;
import dev.banger.image.source.BootstrapException;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.text.Printable;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * Turns pull, kernel import, registry and toolkit failures into gRPC statuses with ErrorInfo
 * (docs/architecture.md §3).
 */
final class ImageErrors {

  private ImageErrors() {}

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof ImageProblem p) {
      Status s =
          switch (p.kind()) {
            case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.NOT_FOUND;
            case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
            case PERMISSION_DENIED -> Status.PERMISSION_DENIED;
            case ABORTED -> Status.ABORTED;
            case UNAVAILABLE -> Status.UNAVAILABLE;
          };
      return Errors.of(s.withDescription(p.getMessage()), p.reason(), p.metadata());
    }
    if (t instanceof CancellationException) {
      return Errors.of(Status.CANCELLED.withDescription(t.getMessage()), "CANCELLED", Map.of());
    }
    if (t instanceof dev.banger.image.flatten.SpaceGuard.NoSpaceException) {
      return Errors.of(
          Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage()), "NO_SPACE", Map.of());
    }
    if (t instanceof LayerRejectedException) {
      return Errors.of(
          Status.INVALID_ARGUMENT.withDescription(t.getMessage()), "LAYER_REJECTED", Map.of());
    }
    if (t instanceof KernelFormatException k) {
      return Errors.of(
          Status.INVALID_ARGUMENT.withDescription(
              "kernel_path " + Printable.quoted(k.file().toString(), 200) + ": " + k.detail()),
          "KERNEL_" + k.problem().name(),
          Map.of("field", "kernel_path"));
    }
    if (t instanceof KernelSourceException k) {
      return k.kind() == KernelSourceException.Kind.UNREADABLE
          ? Errors.of(
              Status.FAILED_PRECONDITION.withDescription(k.getMessage()),
              "SOURCE_UNREADABLE",
              Map.of("field", k.field()))
          : Errors.of(
              Status.INVALID_ARGUMENT.withDescription(k.getMessage()),
              "SOURCE_REJECTED",
              Map.of("field", k.field()));
    }
    if (t instanceof IllegalArgumentException) {
      return Errors.of(
          Status.INVALID_ARGUMENT.withDescription(t.getMessage()), "INVALID_ARGUMENT", Map.of());
    }
    if (t instanceof RegistryException r) {
      Status s =
          switch (r.kind()) {
            case NOT_FOUND -> Status.NOT_FOUND;
            case UNAUTHORIZED -> Status.UNAUTHENTICATED;
            case DENIED -> Status.PERMISSION_DENIED;
            case BAD_REFERENCE -> Status.INVALID_ARGUMENT;
            case UNSUPPORTED -> Status.FAILED_PRECONDITION;
            case DIGEST_MISMATCH -> Status.DATA_LOSS;
            case NETWORK -> Status.UNAVAILABLE;
            case PROTOCOL -> Status.UNKNOWN;
            case STORAGE -> Status.INTERNAL;
            case NO_SPACE -> Status.RESOURCE_EXHAUSTED;
            case CANCELLED -> Status.CANCELLED;
          };
      return Errors.of(s.withDescription(r.getMessage()), "REGISTRY_" + r.kind().name(), Map.of());
    }
    if (t instanceof BootstrapException b) {
      Status s =
          switch (b.kind()) {
            case MISSING, BAD_RECIPE, NO_USER_NAMESPACE -> Status.FAILED_PRECONDITION;
            case NETWORK -> Status.UNAVAILABLE;
            case TIMED_OUT -> Status.DEADLINE_EXCEEDED;
            case FAILED -> Status.UNKNOWN;
          };
      return Errors.of(s.withDescription(b.getMessage()), "BOOTSTRAP_" + b.kind().name(), Map.of());
    }
    if (t instanceof Ext4Exception e) {
      Status s =
          e.kind() == Ext4Exception.Kind.INVALID_ARGUMENT
                  || e.kind() == Ext4Exception.Kind.NOT_AN_IMAGE
              ? Status.INVALID_ARGUMENT
              : Status.INTERNAL;
      return Errors.of(s.withDescription(e.getMessage()), "EXT4_" + e.kind().name(), Map.of());
    }
    return Errors.of(
        Status.INTERNAL.withDescription(t.getClass().getSimpleName() + ": " + t.getMessage()),
        "INTERNAL",
        Map.of());
  }
}
