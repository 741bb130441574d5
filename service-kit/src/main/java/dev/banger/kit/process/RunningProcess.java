package dev.banger.kit.process;

import java.time.Duration;
import java.util.Optional;

/** A program started by {@link CommandRunner#start}, still owned by its starter. */
public interface RunningProcess extends AutoCloseable {

  long pid();

  boolean isAlive();

  /** Waits up to {@code timeout}; empty when still running afterwards. */
  Optional<Integer> waitFor(Duration timeout) throws InterruptedException;

  /** SIGTERM. */
  void terminate();

  /** SIGKILL. */
  void kill();

  /** Terminates, waits up to {@code grace}, then kills. Returns the exit status. */
  default int stop(Duration grace) throws InterruptedException {
    if (!isAlive()) {
      return waitFor(Duration.ZERO).orElse(-1);
    }
    terminate();
    Optional<Integer> code = waitFor(grace);
    if (code.isPresent()) {
      return code.get();
    }
    kill();
    return waitFor(Duration.ofSeconds(10)).orElse(-1);
  }

  @Override
  default void close() throws InterruptedException {
    stop(Duration.ofSeconds(5));
  }
}
