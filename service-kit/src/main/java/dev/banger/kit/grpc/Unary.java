package dev.banger.kit.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers a unary call: the reply, or the failure turned into a status by the service's own mapper.
 * A failure that maps to INTERNAL is a bug or a broken host, so it is logged with its trace.
 */
public final class Unary {

  private static final Logger LOG = LoggerFactory.getLogger(Unary.class);

  private Unary() {}

  @FunctionalInterface
  public interface Call<T> {
    T run() throws Exception;
  }

  public static <T> void answer(
      StreamObserver<T> out, Function<Throwable, StatusRuntimeException> mapper, Call<T> call) {
    T reply;
    try {
      reply = call.run();
    } catch (Exception e) {
      StatusRuntimeException status = mapper.apply(e);
      if (status.getStatus().getCode() == Status.Code.INTERNAL) {
        LOG.error("call failed", e);
      }
      out.onError(status);
      return;
    }
    out.onNext(reply);
    out.onCompleted();
  }
}
