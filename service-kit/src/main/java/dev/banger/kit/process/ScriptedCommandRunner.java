package dev.banger.kit.process;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;

/**
 * Test double for {@link CommandRunner}: answers commands from a script of expectations, in order,
 * and records every command it was asked to run. An unexpected command fails loudly (with what was
 * expected) instead of silently succeeding, so a test cannot pass by accident.
 */
public final class ScriptedCommandRunner implements CommandRunner {

  private record Expectation(String description, Predicate<Command> matcher, Reply reply) {}

  /** What a scripted command "does". */
  @FunctionalInterface
  public interface Reply {
    CommandResult answer(Command command) throws CommandFailedException;
  }

  private final Deque<Expectation> script = new ArrayDeque<>();
  private final List<Command> history = new ArrayList<>();

  /** Expects a command whose argv equals {@code argv} exactly. */
  public Stubbing expect(String... argv) {
    List<String> want = List.of(argv);
    return new Stubbing(String.join(" ", want), c -> c.argv().equals(want));
  }

  /** Expects a command matching the predicate. */
  public Stubbing expect(String description, Predicate<Command> matcher) {
    return new Stubbing(description, matcher);
  }

  @Override
  public synchronized CommandResult run(Command command) throws CommandFailedException {
    history.add(command);
    Expectation next = script.pollFirst();
    if (next == null) {
      throw new AssertionError("unexpected command (script is empty): " + command.display());
    }
    if (!next.matcher().test(command)) {
      throw new AssertionError(
          "unexpected command: " + command.display() + "; expected: " + next.description());
    }
    return next.reply().answer(command);
  }

  @Override
  public RunningProcess start(Command command, Path logFile) {
    throw new UnsupportedOperationException(
        "ScriptedCommandRunner does not start long-running processes: " + command.display());
  }

  /** Commands run so far, in order. */
  public synchronized List<Command> history() {
    return List.copyOf(history);
  }

  /** Fails if scripted commands were never asked for. */
  public synchronized void verifyAllConsumed() {
    if (!script.isEmpty()) {
      throw new AssertionError(
          "scripted commands never run: " + script.stream().map(Expectation::description).toList());
    }
  }

  /** Second half of {@code expect(...)}: what the command answers. */
  public final class Stubbing {
    private final String description;
    private final Predicate<Command> matcher;

    private Stubbing(String description, Predicate<Command> matcher) {
      this.description = description;
      this.matcher = matcher;
    }

    public ScriptedCommandRunner thenReturn(int exitCode, String stdout, String stderr) {
      return then(
          c ->
              new CommandResult(
                  c,
                  exitCode,
                  stdout.getBytes(StandardCharsets.UTF_8),
                  stderr.getBytes(StandardCharsets.UTF_8)));
    }

    public ScriptedCommandRunner thenSucceed(String stdout) {
      return thenReturn(0, stdout, "");
    }

    public ScriptedCommandRunner thenTimeOut() {
      return then(
          c -> {
            throw new CommandFailedException(
                CommandFailedException.Kind.TIMED_OUT, c, null, null, null);
          });
    }

    public ScriptedCommandRunner then(Reply reply) {
      synchronized (ScriptedCommandRunner.this) {
        script.addLast(new Expectation(description, matcher, reply));
      }
      return ScriptedCommandRunner.this;
    }
  }
}
