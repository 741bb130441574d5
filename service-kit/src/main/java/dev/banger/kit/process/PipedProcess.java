package dev.banger.kit.process;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * A program fed bytes on its stdin while it runs (the host's {@code ssh} carrying a workspace's tar
 * into a guest), started by {@link CommandRunner#pipe}. The caller owns all three pipes: it writes
 * stdin and closes it for end of file, and must drain stdout and stderr (a full pipe blocks the
 * program). It also owns the deadline: nothing here times out.
 */
public interface PipedProcess extends AutoCloseable {

  long pid();

  OutputStream stdin();

  InputStream stdout();

  InputStream stderr();

  /** Waits up to {@code timeout} for the program to exit; true when it has. */
  boolean waitFor(Duration timeout) throws InterruptedException;

  /** The exit status; only once {@link #waitFor} said it exited. */
  int exitValue();

  /**
   * Stops the program and its descendants: SIGTERM, then SIGKILL to what is left after {@code
   * grace}. Returns when the program has exited.
   */
  void stop(Duration grace);

  /** Stops it (2 s grace) if it still runs. */
  @Override
  void close();
}
