package dev.banger.kit.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs real host processes. The only class in banger allowed to use {@link ProcessBuilder} (an
 * ArchUnit test enforces it). Stdin is fed and both output streams drained on virtual threads so a
 * chatty program can never dead-lock on a full pipe; a timeout kills the whole process tree.
 */
public final class HostCommandRunner implements CommandRunner {

  private static final Logger log = LoggerFactory.getLogger(HostCommandRunner.class);

  @Override
  public CommandResult run(Command command) throws CommandFailedException {
    Process process = spawn(command, ProcessBuilder.Redirect.PIPE, null);
    long started = System.nanoTime();
    Drain out = drain(process.getInputStream());
    Drain err = drain(process.getErrorStream());
    feed(process.getOutputStream(), command.stdin());
    try {
      if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(process);
        CommandResult partial = new CommandResult(command, -1, collect(out), collect(err));
        throw new CommandFailedException(
            CommandFailedException.Kind.TIMED_OUT, command, partial, null, null);
      }
      CommandResult r = new CommandResult(command, process.exitValue(), collect(out), collect(err));
      log.debug(
          "ran {} -> {} in {} ms",
          command.display(),
          r.exitCode(),
          (System.nanoTime() - started) / 1_000_000);
      return r;
    } catch (InterruptedException e) {
      throw interrupted(process, command, e);
    }
  }

  /** Kills the tree, keeps the interrupt flag set, and says the command was interrupted. */
  private static CommandFailedException interrupted(
      Process process, Command command, InterruptedException e) {
    killTree(process);
    Thread.currentThread().interrupt();
    return new CommandFailedException(
        CommandFailedException.Kind.INTERRUPTED, command, null, null, e);
  }

  @Override
  public PipedProcess pipe(Command command) throws CommandFailedException {
    return new HostPipedProcess(spawn(command, ProcessBuilder.Redirect.PIPE, null));
  }

  @Override
  public Conversation converse(Command command) throws CommandFailedException {
    Process process = spawn(command, ProcessBuilder.Redirect.PIPE, null);
    return new HostConversation(command, process, drain(process.getErrorStream()));
  }

  /** stdout is read line by line by a virtual thread into a queue, so reads can have a deadline. */
  private static final class HostConversation implements Conversation {
    private static final String EOF = new String("<eof>");
    private final Command command;
    private final Process process;
    private final Drain err;
    private final java.util.concurrent.BlockingQueue<String> lines =
        new java.util.concurrent.LinkedBlockingQueue<>();
    private final OutputStream stdin;
    private boolean ended;

    HostConversation(Command command, Process process, Drain err) {
      this.command = command;
      this.process = process;
      this.err = err;
      this.stdin = process.getOutputStream();
      Thread.ofVirtual()
          .name("cmd-lines")
          .start(
              () -> {
                try (var r =
                    new java.io.BufferedReader(
                        new java.io.InputStreamReader(
                            process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))) {
                  for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                  }
                } catch (IOException e) {
                  // Killed under us: the reader sees EOF.
                } finally {
                  lines.add(EOF);
                }
              });
    }

    @Override
    public void send(String text) throws CommandFailedException {
      try {
        stdin.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        stdin.flush();
      } catch (IOException e) {
        throw new CommandFailedException(
            CommandFailedException.Kind.START_FAILED,
            command,
            null,
            "its stdin closed: " + e.getMessage(),
            e);
      }
    }

    @Override
    public String readLine(java.time.Duration timeout) throws CommandFailedException {
      if (ended) {
        return null;
      }
      try {
        String l = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (l == null) {
          killTree(process);
          throw new CommandFailedException(
              CommandFailedException.Kind.TIMED_OUT, command, null, null, null);
        }
        if (l == EOF) {
          ended = true;
          return null;
        }
        return l;
      } catch (InterruptedException e) {
        throw interrupted(process, command, e);
      }
    }

    @Override
    public String stderrSoFar() {
      synchronized (err.buffer()) {
        return err.buffer().toString(java.nio.charset.StandardCharsets.UTF_8);
      }
    }

    @Override
    public CommandResult finish(java.time.Duration timeout) throws CommandFailedException {
      try {
        stdin.close();
      } catch (IOException e) {
        // Already gone; the exit status tells.
      }
      StringBuilder rest = new StringBuilder();
      long deadline = System.nanoTime() + timeout.toNanos();
      for (String l;
          (l = readLine(java.time.Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))))
              != null; ) {
        rest.append(l).append('\n');
      }
      try {
        if (!process.waitFor(
            Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
          killTree(process);
          throw new CommandFailedException(
              CommandFailedException.Kind.TIMED_OUT, command, null, null, null);
        }
      } catch (InterruptedException e) {
        throw interrupted(process, command, e);
      }
      return new CommandResult(
          command,
          process.exitValue(),
          rest.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          collect(err));
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        killTree(process);
      }
    }
  }

  @Override
  public StreamedProcess stream(Command command, java.util.function.Consumer<String> stderrLines)
      throws CommandFailedException {
    return new HostStreamedProcess(
        command, spawn(command, ProcessBuilder.Redirect.PIPE, null), stderrLines);
  }

  @Override
  public RunningProcess start(Command command, Path logFile) throws CommandFailedException {
    ProcessBuilder.Redirect to = ProcessBuilder.Redirect.appendTo(logFile.toFile());
    Process process = spawn(command, to, to);
    feed(process.getOutputStream(), command.stdin());
    return new HostRunningProcess(process);
  }

  @Override
  public int interactive(Command command) throws CommandFailedException, InterruptedException {
    Process process =
        spawn(command, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT, true);
    try {
      return process.waitFor();
    } catch (InterruptedException e) {
      killTree(process);
      throw e;
    }
  }

  private static Process spawn(
      Command command, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err)
      throws CommandFailedException {
    return spawn(command, out, err, false);
  }

  private static Process spawn(
      Command command,
      ProcessBuilder.Redirect out,
      ProcessBuilder.Redirect err,
      boolean inheritStdin)
      throws CommandFailedException {
    ProcessBuilder pb = new ProcessBuilder(command.argv());
    if (inheritStdin) {
      pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
    }
    pb.redirectOutput(out);
    pb.redirectError(err == null ? ProcessBuilder.Redirect.PIPE : err);
    if (command.workingDirectory() != null) {
      pb.directory(command.workingDirectory().toFile());
    }
    pb.environment().putAll(command.environment());
    try {
      return pb.start();
    } catch (IOException e) {
      boolean missing = isNoSuchFile(e);
      throw new CommandFailedException(
          missing
              ? CommandFailedException.Kind.NOT_FOUND
              : CommandFailedException.Kind.START_FAILED,
          command,
          null,
          missing ? null : e.getMessage(),
          e);
    }
  }

  /**
   * ENOENT from exec, worded differently across JDK versions ("error=2", "error: 2 (No such
   * file…)").
   */
  private static boolean isNoSuchFile(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("error=2,") || m.contains("No such file or directory")) {
        return true;
      }
    }
    return false;
  }

  private static void feed(OutputStream stdin, byte[] bytes) {
    Thread.ofVirtual()
        .name("cmd-stdin")
        .start(
            () -> {
              try (stdin) {
                stdin.write(bytes);
              } catch (IOException e) {
                // The program closed its stdin early (e.g. exited); its status tells the story.
              }
            });
  }

  /** One output stream being read; what was read so far stays available even if it never ends. */
  private record Drain(ByteArrayOutputStream buffer, CompletableFuture<Void> done) {}

  private static Drain drain(InputStream in) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread.ofVirtual()
        .name("cmd-drain")
        .start(
            () -> {
              byte[] chunk = new byte[8192];
              try (in) {
                int n;
                while ((n = in.read(chunk)) > 0) {
                  synchronized (buf) {
                    buf.write(chunk, 0, n);
                  }
                }
              } catch (IOException e) {
                // Closed under us (process killed): keep what was read.
              } finally {
                done.complete(null);
              }
            });
    return new Drain(buf, done);
  }

  /**
   * Waits briefly for the stream to end, then takes what was read. A daemonised grandchild may hold
   * the pipe open forever; its output so far is still reported, and the reader thread ends when
   * that grandchild does.
   */
  private static byte[] collect(Drain d) {
    try {
      d.done().get(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Report what we have.
    }
    synchronized (d.buffer()) {
      return d.buffer().toByteArray();
    }
  }

  /**
   * Kills the process and its descendants, in passes, so a child forked while we were killing is
   * caught by the next pass. (A child that already re-parented itself to init is out of reach
   * without cgroups; the VMM driver will run its processes in a scope of their own.)
   */
  static void killTree(Process p) {
    for (int pass = 0; pass < 3; pass++) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
    try {
      p.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record HostRunningProcess(Process process) implements RunningProcess {
    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public boolean isAlive() {
      return process.isAlive();
    }

    @Override
    public Optional<Integer> waitFor(Duration timeout) throws InterruptedException {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
          ? Optional.of(process.exitValue())
          : Optional.empty();
    }

    @Override
    public void terminate() {
      process.destroy();
    }

    @Override
    public void kill() {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }
}
