package dev.banger.vm.app;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * vm-service's graceful stop: once {@link #begin()} is called, long operations see themselves
 * cancelled (their undos run while the peer channels are still open) and new ones are refused;
 * {@link #awaitIdle} waits until every operation under way has finished rolling back.
 */
public final class Draining {

  private final AtomicBoolean stopping = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private int running;

  /** Marks the start of one operation; refused with UNAVAILABLE once stopping. */
  public void enter() {
    lock.lock();
    try {
      if (stopping.get()) {
        throw stopping("no new work is taken");
      }
      running++;
    } finally {
      lock.unlock();
    }
  }

  public void exit() {
    lock.lock();
    try {
      running--;
      if (running == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  public boolean stopping() {
    return stopping.get();
  }

  public void begin() {
    stopping.set(true);
  }

  /**
   * @return true when no operation is under way any more, false when {@code max} passed first
   */
  public boolean awaitIdle(Duration max) throws InterruptedException {
    long left = max.toNanos();
    lock.lock();
    try {
      while (running > 0 && left > 0) {
        left = idle.awaitNanos(left);
      }
      return running == 0;
    } finally {
      lock.unlock();
    }
  }

  public int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  /** The UNAVAILABLE every caller of a stopping vm-service gets, with what became of its work. */
  public static VmProblem stopping(String outcome) {
    return new VmProblem(
        VmProblem.Kind.UNAVAILABLE,
        "SERVICE_STOPPING",
        "vm-service is stopping; " + outcome,
        java.util.Map.of());
  }
}
