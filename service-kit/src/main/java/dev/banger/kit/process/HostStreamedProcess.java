package dev.banger.kit.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * {@link StreamedProcess} over a real {@link Process} (started by {@link
 * HostCommandRunner#stream}).
 */
final class HostStreamedProcess implements StreamedProcess {

  /** stderr kept for the result: the tail is where programs explain a failure. */
  static final int KEPT_LINES = 40;

  static final Duration CLOSE_GRACE = Duration.ofSeconds(30);
  static final long SWEEP_MS = 100;

  private final Command command;
  private final Process process;
  private final Deque<String> tail = new ArrayDeque<>();
  private final Thread stderrReader;
  private final AtomicBoolean timedOut = new AtomicBoolean();

  HostStreamedProcess(Command command, Process process, Consumer<String> stderrLines) {
    this.command = command;
    this.process = process;
    try {
      process.getOutputStream().close(); // nothing to feed: EOF at once
    } catch (IOException e) {
      // Already gone; its exit status tells.
    }
    stderrReader = Thread.ofVirtual().name("cmd-stderr-lines").start(() -> readLines(stderrLines));
    Thread.ofVirtual().name("cmd-deadline").start(this::watchDeadline);
  }

  private void readLines(Consumer<String> listener) {
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > KEPT_LINES) {
            tail.removeFirst();
          }
        }
        try {
          listener.accept(line);
        } catch (RuntimeException e) {
          // A listener's failure must not stop the draining, or the program blocks on a full pipe.
        }
      }
    } catch (IOException e) {
      // Killed under us: keep what was read.
    }
  }

  private void watchDeadline() {
    try {
      if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut.set(true);
        stop(Duration.ofSeconds(10));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public InputStream stdout() {
    return process.getInputStream();
  }

  @Override
  public CommandResult finish(Duration timeout) throws CommandFailedException {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        stop(Duration.ofSeconds(10));
        throw new CommandFailedException(
            CommandFailedException.Kind.TIMED_OUT, command, result(-1), null, null);
      }
      stderrReader.join(
          Duration.ofSeconds(2)); // a grandchild may hold stderr open; report what we have
    } catch (InterruptedException e) {
      stop(Duration.ofSeconds(10));
      Thread.currentThread().interrupt();
      throw new CommandFailedException(
          CommandFailedException.Kind.INTERRUPTED, command, null, null, e);
    }
    if (timedOut.get()) {
      throw new CommandFailedException(
          CommandFailedException.Kind.TIMED_OUT, command, result(-1), null, null);
    }
    return result(process.exitValue());
  }

  private CommandResult result(int exit) {
    StringBuilder err = new StringBuilder();
    synchronized (tail) {
      tail.forEach(l -> err.append(l).append('\n'));
    }
    return new CommandResult(
        command, exit, new byte[0], err.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    try {
      // Nobody reads after a stop; a program blocked writing to a full pipe sees EPIPE at once.
      process.getInputStream().close();
    } catch (IOException e) {
      // Closed already.
    }
    terminateTree(process, grace);
  }

  /**
   * SIGTERM to the program and every descendant, then SIGKILL to what is left after {@code grace};
   * returns when the program has exited. Shared with {@link HostPipedProcess}.
   */
  static void terminateTree(Process process, Duration grace) {
    // One SIGTERM per process, swept again every SWEEP_MS: a tool that forks a short-lived child
    // per item (mmdebstrap runs dpkg-deb once per package) would otherwise carry on with the next
    // child, which never got the signal.
    java.util.Set<Long> signalled = new java.util.HashSet<>();
    long deadline = System.nanoTime() + grace.toNanos();
    try {
      do {
        process.descendants().filter(h -> signalled.add(h.pid())).forEach(ProcessHandle::destroy);
        if (signalled.add(process.pid())) {
          process.destroy();
        }
        if (process.waitFor(SWEEP_MS, TimeUnit.MILLISECONDS)) {
          // The program is gone; a descendant that outlived it (re-parented to init) still goes.
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          return;
        }
      } while (System.nanoTime() < deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    HostCommandRunner.killTree(process);
  }

  @Override
  public void close() {
    stop(CLOSE_GRACE);
  }
}
