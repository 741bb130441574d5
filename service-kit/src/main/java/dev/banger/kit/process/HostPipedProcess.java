package dev.banger.kit.process;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** {@link PipedProcess} over a real {@link Process} (started by {@link HostCommandRunner#pipe}). */
final class HostPipedProcess implements PipedProcess {

  static final Duration CLOSE_GRACE = Duration.ofSeconds(2);
  private final Process process;

  HostPipedProcess(Process process) {
    this.process = process;
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public OutputStream stdin() {
    return process.getOutputStream();
  }

  @Override
  public InputStream stdout() {
    return process.getInputStream();
  }

  @Override
  public InputStream stderr() {
    return process.getErrorStream();
  }

  @Override
  public boolean waitFor(Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public int exitValue() {
    return process.exitValue();
  }

  @Override
  public void stop(Duration grace) {
    if (!process.isAlive()) {
      return;
    }
    HostStreamedProcess.terminateTree(process, grace);
  }

  @Override
  public void close() {
    stop(CLOSE_GRACE);
  }
}
