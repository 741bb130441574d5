package dev.banger.cli.guest;

import io.grpc.stub.ClientCallStreamObserver;
import java.util.function.BooleanSupplier;

/**
 * A client stream's flow control for a thread that writes: the call's on-ready handler {@link
 * #signal}s, and the writer {@link #await}s until the call takes more (or the call is over), so
 * nothing queues without bound in this process.
 */
final class CallReady {

  private final Object lock = new Object();

  /** Install as the call's on-ready handler (and call when the call ends, to wake the writer). */
  void signal() {
    synchronized (lock) {
      lock.notifyAll();
    }
  }

  /** Returns once {@code call} is ready or {@code over} says the call ended. */
  void await(ClientCallStreamObserver<?> call, BooleanSupplier over) throws InterruptedException {
    synchronized (lock) {
      while (!call.isReady() && !over.getAsBoolean()) {
        lock.wait(100); // the handler can fire between the check and the wait: poll too
      }
    }
  }
}
