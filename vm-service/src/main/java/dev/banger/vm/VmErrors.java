package dev.banger.vm;

import dev.banger.kit.grpc.Errors;
import dev.banger.vm.app.StartFailed;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.steps.StepFailedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * vm-service's failures as gRPC statuses (docs/architecture.md §3): one sentence, a reason, the VM
 * named.
 */
final class VmErrors {

  private VmErrors() {}

  /**
   * A start that failed at a step and was rolled back: the step's status, the VM and step named.
   */
  static StatusRuntimeException startFailed(String name, StepFailedException f) {
    StatusRuntimeException s = toStatus(f);
    return Errors.of(
        s.getStatus().withDescription("vm \"" + name + "\": " + s.getStatus().getDescription()),
        f.cancelled() ? "CANCELLED" : "VM_START_FAILED",
        Map.of("step", f.step(), "vm", name));
  }

  static StatusRuntimeException toStatus(Throwable t) {
    if (t instanceof StatusRuntimeException s) {
      return s;
    }
    if (t instanceof VmProblem p) {
      Status.Code code =
          switch (p.kind()) {
            case INVALID_ARGUMENT -> Status.Code.INVALID_ARGUMENT;
            case NOT_FOUND -> Status.Code.NOT_FOUND;
            case ALREADY_EXISTS -> Status.Code.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Status.Code.FAILED_PRECONDITION;
            case UNAVAILABLE -> Status.Code.UNAVAILABLE;
            case UNIMPLEMENTED -> Status.Code.UNIMPLEMENTED;
            case INTERNAL -> Status.Code.INTERNAL;
          };
      return Errors.of(
          Status.fromCode(code).withDescription(p.getMessage()), p.reason(), p.metadata());
    }
    if (t instanceof StartFailed f) {
      return startFailed(f.vm(), f.failure());
    }
    if (t instanceof dev.banger.vm.app.snapshot.SnapshotFailed f) {
      StatusRuntimeException s = toStatus(f.failure());
      return Errors.of(
          s.getStatus().withDescription(f.getMessage()),
          f.failure().cancelled() ? "CANCELLED" : "SNAPSHOT_FAILED",
          Map.of("step", f.failure().step(), "snapshot", f.snapshot()));
    }
    if (t instanceof StepFailedException f) {
      if (f.cancelled()) {
        return Errors.of(
            Status.CANCELLED.withDescription(f.getMessage()),
            "CANCELLED",
            Map.of("step", f.step()));
      }
      Throwable cause = f.getCause();
      Status.Code code =
          cause instanceof StatusRuntimeException s
              ? s.getStatus().getCode()
              : Status.Code.UNAVAILABLE;
      if (code == Status.Code.UNKNOWN || code == Status.Code.OK) {
        code = Status.Code.INTERNAL;
      }
      return Errors.of(
          Status.fromCode(code).withDescription(f.getMessage()),
          "VM_START_FAILED",
          Map.of("step", f.step()));
    }
    if (t instanceof CancellationException || t instanceof InterruptedException) {
      return Errors.of(
          Status.CANCELLED.withDescription("cancelled: " + t.getMessage()), "CANCELLED", Map.of());
    }
    if (t instanceof DriverException) {
      return Errors.of(Status.UNAVAILABLE.withDescription(t.getMessage()), "VMM_FAILED", Map.of());
    }
    if (t instanceof IllegalArgumentException) {
      return Errors.of(
          Status.INVALID_ARGUMENT.withDescription(t.getMessage()), "INVALID_ARGUMENT", Map.of());
    }
    return Errors.of(Status.INTERNAL.withDescription(t.toString()), "INTERNAL", Map.of());
  }
}
