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
 * Runs real host processes. The only class in banger allowed to use {@link ProcessBuilder}
 * (an ArchUnit test enforces it). Stdin is fed and both output streams drained on virtual
 * threads so a chatty program can never dead-lock on a full pipe; a timeout kills the whole
 * process tree.
 */
public final class HostCommandRunner implements CommandRunner {

  private static final Logger log = LoggerFactory.getLogger(HostCommandRunner.class);

  @Override
  public CommandResult run(Command command) throws CommandFailedException {
    Process process = spawn(command, ProcessBuilder.Redirect.PIPE, null);
    long started = System.nanoTime();
    CompletableFuture<byte[]> out = drain(process.getInputStream());
    CompletableFuture<byte[]> err = drain(process.getErrorStream());
    feed(process.getOutputStream(), command.stdin());
    try {
      if (!process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        killTree(process);
        CommandResult partial = new CommandResult(command, -1, collect(out), collect(err));
        throw new CommandFailedException(CommandFailedException.Kind.TIMED_OUT, command, partial, null, null);
      }
      CommandResult r = new CommandResult(command, process.exitValue(), collect(out), collect(err));
      log.debug("ran {} -> {} in {} ms", command.display(), r.exitCode(), (System.nanoTime() - started) / 1_000_000);
      return r;
    } catch (InterruptedException e) {
      killTree(process);
      Thread.currentThread().interrupt();
      throw new CommandFailedException(CommandFailedException.Kind.INTERRUPTED, command, null, null, e);
    }
  }

  @Override
  public RunningProcess start(Command command, Path logFile) throws CommandFailedException {
    ProcessBuilder.Redirect to = ProcessBuilder.Redirect.appendTo(logFile.toFile());
    Process process = spawn(command, to, to);
    feed(process.getOutputStream(), command.stdin());
    return new HostRunningProcess(process);
  }

  private static Process spawn(Command command, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err)
      throws CommandFailedException {
    ProcessBuilder pb = new ProcessBuilder(command.argv());
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
          missing ? CommandFailedException.Kind.NOT_FOUND : CommandFailedException.Kind.START_FAILED,
          command, null, missing ? null : e.getMessage(), e);
    }
  }

  /** ENOENT from exec, worded differently across JDK versions ("error=2", "error: 2 (No such file…)"). */
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
    Thread.ofVirtual().name("cmd-stdin").start(() -> {
      try (stdin) {
        stdin.write(bytes);
      } catch (IOException e) {
        // The program closed its stdin early (e.g. exited); its status tells the story.
      }
    });
  }

  private static CompletableFuture<byte[]> drain(InputStream in) {
    CompletableFuture<byte[]> f = new CompletableFuture<>();
    Thread.ofVirtual().name("cmd-drain").start(() -> {
      try (in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        f.complete(buf.toByteArray());
      } catch (IOException e) {
        f.complete(new byte[0]);
      }
    });
    return f;
  }

  private static byte[] collect(CompletableFuture<byte[]> f) {
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new byte[0];
    } catch (ExecutionException | TimeoutException e) {
      // A grandchild may still hold the pipe open; what we have is what we report.
      return new byte[0];
    }
  }

  private static void killTree(Process p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
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
