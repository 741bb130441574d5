package dev.banger.vm.ports;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;

/**
 * A program running in a guest over its own channel: its stdin, stdout and stderr as blocking
 * streams whose reading paces the guest (nothing is read ahead beyond the transport's window), and
 * how it ended.
 */
public interface GuestProcess extends AutoCloseable {

  /** How a program ended: an exit status, or the signal that killed it. */
  record Ended(Integer exitCode, String signal) {}

  OutputStream stdin();

  InputStream stdout();

  /** Empty at once with a terminal: its output is all on {@link #stdout()}. */
  InputStream stderr();

  /** A new terminal size (ignored without a terminal). */
  void resize(int columns, int rows) throws Exception;

  /** How it ended, once it has; empty when {@code wait} passes first. */
  Optional<Ended> await(Duration wait) throws Exception;

  /** Closes the channel (it does not by itself stop the program: the caller kills its group). */
  @Override
  void close();
}
