package dev.banger.vm;

import io.grpc.Context;
import java.util.concurrent.Callable;

/**
 * Runs VM work in a context of its own: the calls it makes to the other services must not be
 * cancelled with the client's call, or a cancelled create could not run its undos and a delete
 * could stop half-way. The client's cancel reaches the work through {@code cancelled()} instead.
 */
final class Detached {

  private Detached() {}

  static <T> T call(Callable<T> work) throws Exception {
    return Context.current().fork().call(work);
  }
}
