package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The stub's pause, resume and snapshots, hit with raw HTTP: refused where Firecracker refuses. */
class FirecrackerSnapshotStubTest extends ApiStubFixture {

  /** PATCH /vm: Firecracker's Vm object only, and only once the guest runs. */
  @Test
  void pauseAndResumeAreCheckedAndOnlyAfterStart() throws Exception {
    configure();
    assertFault(
        api.exchange("PATCH", "/vm", "{\"state\": \"Paused\"}"), 400, FirecrackerApiStub.PRE_BOOT);
    assertEquals(204, put("/actions", "{\"action_type\": \"InstanceStart\"}").status());
    FirecrackerApi.Response bad = api.exchange("PATCH", "/vm", "{\"state\": \"Frozen\"}");
    assertEquals(400, bad.status());
    assertTrue(bad.faultMessage().contains("unknown variant `Frozen`"), bad.faultMessage());
    assertEquals(400, api.exchange("PATCH", "/vm", "{}").status(), "state is required");
    assertEquals(400, api.exchange("PATCH", "/vm", "{\"state\": \"Paused\", \"x\": 1}").status());
    assertEquals(204, api.exchange("PATCH", "/vm", "{\"state\": \"Paused\"}").status());
    assertEquals("Paused", api.get("/").get("state").asText());
    assertEquals(204, api.exchange("PATCH", "/vm", "{\"state\": \"Paused\"}").status());
    assertEquals(204, api.exchange("PATCH", "/vm", "{\"state\": \"Resumed\"}").status());
    assertEquals("Running", api.get("/").get("state").asText());
  }

  /**
   * Snapshot create only of a started, paused microVM; load only into a Firecracker with nothing
   * configured, with exactly one memory source, from files that are the stub's own and whole.
   */
  @Test
  void snapshotsAreCheckedAsFirecrackerChecksThem() throws Exception {
    String create =
        "{\"snapshot_path\": \""
            + dir.resolve("vmstate")
            + "\", \"mem_file_path\": \""
            + dir.resolve("memory")
            + "\"}";
    configure();
    assertFault(put("/snapshot/create", create), 400, FirecrackerApiStub.PRE_BOOT);
    assertEquals(204, put("/actions", "{\"action_type\": \"InstanceStart\"}").status());
    assertFault(put("/snapshot/create", create), 400, "save/restore unavailable while running");
    assertEquals(204, api.exchange("PATCH", "/vm", "{\"state\": \"Paused\"}").status());
    assertFault(
        put("/snapshot/create", create.replace(dir.resolve("vmstate").toString(), "/nope/vmstate")),
        400,
        "No such file or directory");
    assertFault(
        put("/snapshot/create", "{\"snapshot_path\": \"x\"}"),
        400,
        "missing field `mem_file_path`");
    assertEquals(204, put("/snapshot/create", create).status());
    assertEquals(128L << 20, Files.size(dir.resolve("memory")), "the guest's memory size");

    String load =
        "{\"snapshot_path\": \""
            + dir.resolve("vmstate")
            + "\", \"mem_backend\": {\"backend_type\": \"File\", \"backend_path\": \""
            + dir.resolve("memory")
            + "\"}, \"resume_vm\": true}";
    assertFault(put("/snapshot/load", load), 400, FirecrackerApiStub.POST_BOOT);

    Path freshSock = dir.resolve("fresh.sock");
    StubHttpServer fresh =
        StubHttpServer.start(
            freshSock,
            new FirecrackerApiStub(
                "test-2",
                new FirecrackerApiStub.Guest() {
                  @Override
                  public void started(com.fasterxml.jackson.databind.node.ObjectNode boot) {}

                  @Override
                  public void ctrlAltDel() {}
                }));
    try {
      FirecrackerApi f = new FirecrackerApi(freshSock, Duration.ofSeconds(5));
      assertFault(
          f.exchange("PUT", "/snapshot/load", load.replace("}, ", ", \"x\": 1}, ")),
          400,
          "unknown field `x`");
      assertFault(
          f.exchange(
              "PUT",
              "/snapshot/load",
              load.replace(
                  "\"resume_vm\"",
                  "\"mem_file_path\": \"" + dir.resolve("memory") + "\", \"resume_vm\"")),
          400,
          "either `mem_backend` or `mem_file_path`");
      Files.writeString(dir.resolve("foreign"), "{\"machine_config\": {}}");
      assertFault(
          f.exchange(
              "PUT",
              "/snapshot/load",
              load.replace(dir.resolve("vmstate").toString(), dir.resolve("foreign").toString())),
          400,
          "invalid snapshot");
      Files.copy(dir.resolve("memory"), dir.resolve("short"));
      try (var m = new java.io.RandomAccessFile(dir.resolve("short").toFile(), "rw")) {
        m.setLength(m.length() / 2);
      }
      assertFault(
          f.exchange(
              "PUT",
              "/snapshot/load",
              load.replace(dir.resolve("memory").toString(), dir.resolve("short").toString())),
          400,
          "is not the");
      assertEquals(204, f.exchange("PUT", "/snapshot/load", load).status());
      assertEquals("Running", f.get("/").get("state").asText());
      assertEquals(128, f.get("/machine-config").get("mem_size_mib").asInt(), "the saved shape");
    } finally {
      fresh.close();
    }
  }
}
