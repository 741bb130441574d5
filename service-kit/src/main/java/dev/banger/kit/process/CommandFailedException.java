package dev.banger.kit.process;

/**
 * A command that could not start, exited non-zero or ran out of time. The message names the command
 * and carries the tail of its stderr, which is usually the only useful diagnosis.
 */
public class CommandFailedException extends Exception {

  /** Why the command failed. */
  public enum Kind {
    NOT_FOUND,
    START_FAILED,
    NON_ZERO_EXIT,
    TIMED_OUT,
    INTERRUPTED
  }

  private static final int STDERR_TAIL_CHARS = 2000;

  private final transient CommandResult result;
  private final Kind kind;

  public CommandFailedException(
      Kind kind, Command command, CommandResult result, String detail, Throwable cause) {
    super(message(kind, command, result, detail), cause);
    this.kind = kind;
    this.result = result;
  }

  public Kind kind() {
    return kind;
  }

  /** The result when the command ran at all (exit status and output), else null. */
  public CommandResult result() {
    return result;
  }

  private static String message(Kind kind, Command command, CommandResult result, String detail) {
    StringBuilder sb = new StringBuilder();
    sb.append(command.program());
    switch (kind) {
      case NOT_FOUND -> sb.append(": not found on this host");
      case START_FAILED -> sb.append(": could not start");
      case NON_ZERO_EXIT -> sb.append(" exited with status ").append(result.exitCode());
      case TIMED_OUT -> sb.append(" did not finish within ").append(command.timeout());
      case INTERRUPTED -> sb.append(": interrupted");
    }
    if (detail != null && !detail.isBlank()) {
      sb.append(" (").append(detail).append(')');
    }
    if (result != null) {
      String err = result.stderrText().strip();
      if (!err.isEmpty()) {
        if (err.length() > STDERR_TAIL_CHARS) {
          err = "…" + err.substring(err.length() - STDERR_TAIL_CHARS);
        }
        sb.append(": ").append(err);
      }
    }
    sb.append(" [command: ").append(command.display()).append(']');
    return sb.toString();
  }
}
