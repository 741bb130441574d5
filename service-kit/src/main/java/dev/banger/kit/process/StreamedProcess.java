package dev.banger.kit.process;

import java.io.InputStream;
import java.time.Duration;

/**
 * A program whose stdout is consumed as a byte stream while it runs (mmdebstrap writing a root
 * filesystem tar), started by {@link CommandRunner#stream}. Its stderr goes, line by line, to the
 * listener given at start; the last lines are kept for {@link #finish}'s result.
 *
 * <p>The command's timeout bounds the whole run: when it passes, the process tree is stopped and
 * {@link #finish} reports TIMED_OUT.
 */
public interface StreamedProcess extends AutoCloseable {

  long pid();

  /** The program's stdout; read it to the end before {@link #finish}. */
  InputStream stdout();

  /**
   * Waits for the program to exit, at most {@code timeout}; the result's stdout is empty (it was
   * streamed) and its stderr holds the last lines.
   *
   * @throws CommandFailedException TIMED_OUT (the tree is stopped) or INTERRUPTED
   */
  CommandResult finish(Duration timeout) throws CommandFailedException;

  /**
   * Stops the whole process tree. Our end of stdout is closed first (a program blocked writing to
   * it gets EPIPE), then SIGTERM goes to the program and every descendant (as a terminal's Ctrl-C
   * reaches a whole job, so each cleans up after itself), again to every process forked since,
   * until the program exits or {@code grace} passes; then SIGKILL to what is left. Returns when the
   * program has exited.
   */
  void stop(Duration grace);

  /** Stops the tree (30 s grace) if the program still runs. */
  @Override
  void close();
}
