package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.RunningVm;
import dev.banger.vm.driver.VmmHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A Firecracker process known by its {@link VmmHandle} and controlled over its API socket. Every
 * signal goes through {@link VmmHandle#liveProcess}, so a reused pid is never signalled.
 */
final class FirecrackerVm implements RunningVm {

  private final VmmHandle handle;
  private final FirecrackerApi api;

  FirecrackerVm(VmmHandle handle, Duration apiTimeout) {
    this.handle = handle;
    this.api = new FirecrackerApi(handle.controlSocket(), apiTimeout);
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
    return handle.liveProcess().isPresent();
  }

  /** GET / → {@code state}: "Running", "Paused" or "Not started" (Firecracker's words). */
  @Override
  public String status() throws DriverException {
    JsonNode info = api.get("/");
    return info.path("state").asText("unknown");
  }

  /**
   * {@code SendCtrlAltDel}: the guest sees Ctrl+Alt+Del on the i8042 keyboard; with
   * {@code reboot=k} the reboot it triggers ends Firecracker. The guest may ignore it.
   */
  @Override
  public void requestPowerdown() throws DriverException {
    api.put("/actions", Map.of("action_type", "SendCtrlAltDel"));
  }

  /**
   * SIGKILL, and the API socket goes with it (Firecracker cannot remove it when killed). Only
   * when this handle's process was there to kill: a stale handle must not unlink the socket of a
   * newer Firecracker of the same VM.
   */
  @Override
  public void kill() {
    Optional<ProcessHandle> p = handle.liveProcess();
    if (p.isEmpty()) {
      return;
    }
    p.get().destroyForcibly();
    try {
      Files.deleteIfExists(handle.controlSocket());
    } catch (IOException e) {
      // the next launch removes a stale socket anyway
    }
  }

  @Override
  public boolean awaitExit(Duration timeout) throws InterruptedException {
    Optional<ProcessHandle> h = handle.liveProcess();
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
}
