package dev.banger.kit.process;

/**
 * The one way banger code runs host programs. Implementations: {@link HostCommandRunner} (real
 * processes) and {@link ScriptedCommandRunner} (a test double that answers from a script and
 * records what was asked).
 */
public interface CommandRunner {

  /**
   * Runs the command to completion.
   *
   * @return the result; its exit code may be non-zero
   * @throws CommandFailedException when it cannot start, times out or is interrupted
   */
  CommandResult run(Command command) throws CommandFailedException;

  /** Runs the command and insists on exit status 0. */
  default CommandResult check(Command command) throws CommandFailedException {
    CommandResult r = run(command);
    if (!r.succeeded()) {
      throw new CommandFailedException(
          CommandFailedException.Kind.NON_ZERO_EXIT, command, r, null, null);
    }
    return r;
  }

  /**
   * Starts a long-running program (a VMM, a daemon under test) without waiting for it. Its stdout
   * and stderr go to the given log file, appended.
   */
  RunningProcess start(Command command, java.nio.file.Path logFile) throws CommandFailedException;

  /**
   * Starts a program whose stdout is read as a stream while it runs; each stderr line goes to
   * {@code stderrLines} (on a reader thread). {@code command.stdin()} is ignored. Runners that
   * cannot (test doubles) say so.
   */
  default StreamedProcess stream(Command command, java.util.function.Consumer<String> stderrLines)
      throws CommandFailedException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot stream: " + command.display());
  }

  /**
   * Starts a program to converse with over its pipes. {@code command.stdin()} is ignored: use
   * {@link Conversation#send}. Runners that cannot (test doubles) say so.
   */
  default Conversation converse(Command command) throws CommandFailedException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot converse: " + command.display());
  }

  /**
   * Starts a program whose stdin the caller writes while it runs (bulk bytes, not lines: use {@link
   * #converse} for a dialogue). {@code command.stdin()} and its timeout are ignored: the caller
   * bounds the run and stops it. Runners that cannot (test doubles) say so.
   */
  default PipedProcess pipe(Command command) throws CommandFailedException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot pipe: " + command.display());
  }

  /**
   * Runs a program on this process's own terminal (stdin, stdout and stderr inherited: the CLI's
   * {@code ssh} into a guest) and returns its exit status once it ends. No timeout: the user ends
   * it. Runners that cannot (test doubles) say so.
   */
  default int interactive(Command command) throws CommandFailedException, InterruptedException {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot hand over the terminal: " + command.display());
  }
}
