package dev.banger.kit.process;

import java.time.Duration;

/**
 * A program talked to over its pipes (see {@link CommandRunner#converse}): lines go to its stdin,
 * its stdout is read line by line with a deadline, its stderr is collected. Used where a tool reads
 * commands one at a time and a caller must see the answer to some before sending the rest (debugfs:
 * probe, then write, in one process).
 */
public interface Conversation extends AutoCloseable {

  /** Sends text to the program's stdin and flushes it. */
  void send(String text) throws CommandFailedException;

  /**
   * The next line of stdout without its line break, waiting at most {@code timeout}; null at end of
   * stream.
   *
   * @throws CommandFailedException TIMED_OUT when no line arrives in time (the program is killed)
   */
  String readLine(Duration timeout) throws CommandFailedException;

  /** Everything the program wrote to stderr so far. */
  String stderrSoFar();

  /**
   * Closes stdin and waits for the program to exit (killing it after {@code timeout}); the result
   * holds the stdout not yet read and all of stderr.
   */
  CommandResult finish(Duration timeout) throws CommandFailedException;

  /** Kills the program if it still runs. */
  @Override
  void close();
}
