package dev.banger.kit.ops;

import com.google.protobuf.Message;
import dev.banger.api.common.v1.Progress;
import dev.banger.kit.grpc.Errors;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * One long server-streaming call (image pull, promote, kernel import, VM create and start): the
 * operation's entry in the registry, cancellation from either side (the client going away or
 * Operations.Cancel), each stage as a {@link Progress} event on the stream and in the registry,
 * then the result or the error. The stream is written under one lock because progress may come from
 * worker threads.
 *
 * @param <R> the RPC's response message: a oneof of progress and the result
 */
public final class ProgressCall<R> {

  private final OperationRegistry.Handle op;
  private final ServerCallStreamObserver<R> call;
  private final List<String> stages;
  private final Function<Progress, R> progressMessage;
  private final Function<Throwable, StatusRuntimeException> errors;
  private final AtomicBoolean cancelled = new AtomicBoolean();

  /**
   * @param errors the service's mapping of failures to statuses
   */
  public ProgressCall(
      OperationRegistry ops,
      String method,
      String target,
      String requestId,
      StreamObserver<R> obs,
      String[] stages,
      Function<Progress, R> progressMessage,
      Function<Throwable, StatusRuntimeException> errors) {
    this.errors = errors;
    this.call = (ServerCallStreamObserver<R>) obs;
    this.stages = Arrays.asList(stages);
    this.progressMessage = progressMessage;
    this.op = ops.start(method, target, requestId);
    op.onCancel(() -> cancelled.set(true));
    // The call's Context, not setOnCancelHandler: gRPC runs that handler on the call's executor,
    // which the method occupies until it returns. The Context is cancelled at once, from another
    // thread.
    Context.current().addListener(c -> ops.cancel(op.id()), Runnable::run);
    call.setOnCancelHandler(
        () -> ops.cancel(op.id())); // also set: without one, a cancelled onNext throws
  }

  public String operationId() {
    return op.id();
  }

  public BooleanSupplier cancelled() {
    return cancelled::get;
  }

  public StageProgress listener() {
    return new StageProgress() {
      @Override
      public void stage(String stage, String message, long done, long total) {
        send(stage, message, done, total, false);
      }

      @Override
      public void toolOutput(String stage, String line) {
        send(stage, line, 0, 0, true);
      }
    };
  }

  private void send(String stage, String message, long done, long total, boolean toolOutput) {
    java.time.Instant now = java.time.Instant.now();
    Progress p =
        Progress.newBuilder()
            .setStage(stage)
            .setMessage(message)
            .setBytesDone(done)
            .setBytesTotal(total)
            .setStageIndex(1 + stages.indexOf(stage))
            .setStageCount(stages.size())
            .setPercent(percent(stages.indexOf(stage), stages.size(), done, total))
            .setToolOutput(toolOutput)
            .setTime(
                com.google.protobuf.Timestamp.newBuilder()
                    .setSeconds(now.getEpochSecond())
                    .setNanos(now.getNano()))
            .build();
    op.progress(p);
    synchronized (this) {
      if (!call.isCancelled()) {
        call.onNext(progressMessage.apply(p.toBuilder().setOperationId(op.id()).build()));
      }
    }
  }

  /**
   * The whole operation's share done: each stage counts the same, a stage with a byte count is done
   * in proportion to it. -1 for a stage outside the list (unknown).
   */
  static double percent(int index, int count, long done, long total) {
    if (index < 0 || count == 0) {
      return -1;
    }
    double within = total > 0 ? Math.min(1.0, Math.max(0, done) / (double) total) : 0;
    return 100.0 * (index + within) / count;
  }

  public void succeed(Message result, R last) {
    op.succeed(result);
    synchronized (this) {
      call.onNext(last);
      call.onCompleted();
    }
  }

  /**
   * Ends the call with {@code t} as a status; unexpected (INTERNAL) failures are logged with their
   * stack, the others in one line.
   */
  public void fail(Throwable t, Logger log, String what) {
    StatusRuntimeException s = errors.apply(t);
    if (s.getStatus().getCode() == Status.Code.INTERNAL) {
      log.warn("{} failed", what, t);
    } else {
      // Every failed operation leaves one line (a refused layer, a cancel), not only the bugs.
      log.info("{} failed: {} {}", what, s.getStatus().getCode(), s.getStatus().getDescription());
    }
    op.fail(
        s.getStatus().getCode().value(),
        s.getStatus().getDescription(),
        Errors.errorInfo(s).map(i -> i.getReason()).orElse(""));
    synchronized (this) {
      call.onError(s);
    }
  }
}
