package dev.banger.vm.driver;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A daemonized QEMU, known by its pid and controlled over QMP (one short session per command). */
final class QemuVm extends VmmProcess {

  private final Path qmpSocket;
  private final Duration qmpTimeout;

  QemuVm(VmmHandle handle, Duration qmpTimeout) {
    super(handle);
    this.qmpSocket = handle.controlSocket();
    this.qmpTimeout = qmpTimeout;
  }

  @Override
  public String status() throws DriverException {
    return qmp("query-status").path("status").asText("unknown");
  }

  /** QMP {@code stop}: the vCPUs halt; QEMU answers at once, already stopped or not. */
  @Override
  public void pause() throws DriverException {
    qmp("stop");
  }

  /** QMP {@code cont}. */
  @Override
  public void resume() throws DriverException {
    qmp("cont");
  }

  /** QEMU's migration stream in {@code directory}/{@value QemuStateTransfer#FILE}. */
  @Override
  public long saveState(Path directory) throws DriverException {
    return QemuStateTransfer.save(
        qmpSocket,
        handle.runDir(),
        directory.resolve(QemuStateTransfer.FILE),
        QemuDriver.STATE_TIMEOUT,
        qmpTimeout);
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

  private com.fasterxml.jackson.databind.JsonNode qmp(String command) throws DriverException {
    try (QmpClient c = QmpClient.connect(qmpSocket, qmpTimeout)) {
      return c.execute(command);
    } catch (IOException e) {
      throw new DriverException("QMP " + command + " on " + qmpSocket + ": " + e.getMessage(), e);
    }
  }
}
