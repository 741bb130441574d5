package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.vm.driver.DriverException;
import dev.banger.vm.driver.VmmHandle;
import dev.banger.vm.driver.VmmProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A Firecracker process known by its {@link VmmHandle} and controlled over its API socket. Every
 * signal goes through {@link VmmHandle#liveProcess}, so a reused pid is never signalled.
 */
final class FirecrackerVm extends VmmProcess {

  private final FirecrackerApi api;

  FirecrackerVm(VmmHandle handle, Duration apiTimeout) {
    super(handle);
    this.api = new FirecrackerApi(handle.controlSocket(), apiTimeout);
  }

  /** GET / → {@code state}: "Running", "Paused" or "Not started" (Firecracker's words). */
  @Override
  public String status() throws DriverException {
    JsonNode info = api.get("/");
    return info.path("state").asText("unknown");
  }

  /** {@code PATCH /vm {"state": "Paused"}}. */
  @Override
  public void pause() throws DriverException {
    api.patch("/vm", Map.of("state", "Paused"));
  }

  /** {@code PATCH /vm {"state": "Resumed"}}. */
  @Override
  public void resume() throws DriverException {
    api.patch("/vm", Map.of("state", "Resumed"));
  }

  /**
   * {@code PUT /snapshot/create} (Firecracker refuses it unless paused), then the size of the two
   * files it wrote.
   */
  @Override
  public long saveState(java.nio.file.Path directory) throws DriverException {
    FirecrackerSetup.ApiCall call = FirecrackerSetup.snapshotCreate(directory);
    api.put(call.path(), call.body());
    try {
      return Files.size(directory.resolve(FirecrackerSetup.STATE_FILE))
          + Files.size(directory.resolve(FirecrackerSetup.MEMORY_FILE));
    } catch (IOException e) {
      throw new DriverException(
          "Firecracker reported the snapshot written, but " + e.getMessage(), e);
    }
  }

  /**
   * {@code SendCtrlAltDel}: the guest sees Ctrl+Alt+Del on the i8042 keyboard; with {@code
   * reboot=k} the reboot it triggers ends Firecracker. The guest may ignore it.
   */
  @Override
  public void requestPowerdown() throws DriverException {
    api.put("/actions", Map.of("action_type", "SendCtrlAltDel"));
  }

  /**
   * SIGKILL, and the API socket goes with it (Firecracker cannot remove it when killed). Only when
   * this handle's process was there to kill: a stale handle must not unlink the socket of a newer
   * Firecracker of the same VM.
   */
  @Override
  public void kill() {
    Optional<ProcessHandle> p = process();
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
}
