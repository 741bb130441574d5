package dev.banger.vm.driver;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** A daemonized QEMU, known by its pid and controlled over QMP (one short session per command). */
final class QemuVm implements RunningVm {

  private final VmmHandle handle;
  private final Path qmpSocket;
  private final Duration qmpTimeout;

  QemuVm(VmmHandle handle, Duration qmpTimeout) {
    this.handle = handle;
    this.qmpSocket = handle.controlSocket();
    this.qmpTimeout = qmpTimeout;
  }

  @Override
  public long pid() {
    return handle.pid();
  }

  @Override
  public VmmHandle handle() {
    return handle;
  }

  @Override
  public boolean alive() {
    return process().isPresent();
  }

  @Override
  public String status() throws DriverException {
    return qmp("query-status").path("status").asText("unknown");
  }

  @Override
  public void requestPowerdown() throws DriverException {
    qmp("system_powerdown");
  }

  /** QMP {@code quit}: QEMU exits without the guest's cooperation, as a power cut would. */
  void quit() throws DriverException, InterruptedException {
    try {
      qmp("quit");
    } catch (DriverException e) {
      if (!awaitExit(Duration.ofSeconds(2))) { // QEMU may close the socket before its reply
        throw e;
      }
    }
  }

  @Override
  public void kill() {
    process().ifPresent(ProcessHandle::destroyForcibly);
  }

  @Override
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    Optional<ProcessHandle> h = process();
    if (h.isEmpty()) {
      return true;
    }
    try {
      h.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !h.get().isAlive();
    }
  }

  /** The process, only while it is still the QEMU launched: a reused pid is never signalled. */
  private Optional<ProcessHandle> process() {
    return handle.liveProcess();
  }

  private com.fasterxml.jackson.databind.JsonNode qmp(String command) throws DriverException {
    try (QmpClient c = QmpClient.connect(qmpSocket, qmpTimeout)) {
      return c.execute(command);
    } catch (IOException e) {
      throw new DriverException("QMP " + command + " on " + qmpSocket + ": " + e.getMessage(), e);
    }
  }
}
