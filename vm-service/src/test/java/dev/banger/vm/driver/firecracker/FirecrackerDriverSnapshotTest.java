package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banger.vm.driver.DriverException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The driver's pause, resume, save and restore, end to end against the stub binary. */
class FirecrackerDriverSnapshotTest extends DriverFixture {

  @Test
  void pauseAndResumePatchTheVmAndStatusFollows() throws Exception {
    vm = driver().launch(spec(vmlinux, 1, rootfs, false));
    vm.pause();
    assertEquals("PATCH /vm 204", recordedLines().getLast());
    assertEquals("Paused", body("/vm").get("state").asText());
    assertEquals("Paused", vm.status());
    vm.resume();
    assertEquals("Resumed", body("/vm").get("state").asText());
    assertEquals("Running", vm.status());
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }

  /**
   * A paused VM's snapshot (vmstate and memory files), loaded by a fresh Firecracker that runs it;
   * a directory without the files is refused before any process starts.
   */
  @Test
  void aSnapshotOfAPausedVmIsLoadedByANewFirecracker() throws Exception {
    FirecrackerDriver d = driver();
    vm = d.launch(spec(vmlinux, 2, rootfs, true));
    Path saved = Files.createDirectories(dir.resolve("saved"));
    DriverException running = assertThrows(DriverException.class, () -> vm.saveState(saved));
    assertTrue(
        running.getMessage().contains("save/restore unavailable while running"),
        running.getMessage());
    vm.pause();
    long size = vm.saveState(saved);
    assertEquals("PUT /snapshot/create 204", recordedLines().getLast());
    assertEquals("Full", body("/snapshot/create").get("snapshot_type").asText());
    assertEquals(256L << 20, Files.size(saved.resolve(FirecrackerSetup.MEMORY_FILE)));
    assertEquals(
        size,
        Files.size(saved.resolve(FirecrackerSetup.STATE_FILE)) + (256L << 20),
        "the size of both files");
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));

    DriverException none =
        assertThrows(
            DriverException.class,
            () ->
                d.restore(
                    spec(vmlinux, 2, rootfs, true), Files.createDirectories(dir.resolve("e"))));
    assertTrue(none.getMessage().contains("does not exist"), none.getMessage());
    assertEquals(List.of(), ours(dir), "nothing started for a missing state");

    vm = d.restore(spec(vmlinux, 2, rootfs, true), saved);
    List<String> lines = recordedLines();
    assertEquals("Paused", vm.status(), "restored paused, for the caller to resume");
    vm.resume();
    assertEquals("Running", vm.status());
    assertEquals(
        List.of("PUT /logger 204", "PUT /snapshot/load 204"),
        lines.subList(lines.size() - 2, lines.size()),
        "a fresh Firecracker: the logger, then the load, no boot configuration");
    JsonNode load = body("/snapshot/load");
    assertEquals("File", load.get("mem_backend").get("backend_type").asText());
    assertFalse(load.get("resume_vm").asBoolean());
    vm.kill();
    assertTrue(vm.awaitExit(Duration.ofSeconds(10)));
  }
}
