package dev.banger.vm.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.kit.db.SqliteDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * V5 rebuilds the {@code vms} table to let 'paused' in: every row and column of a database at V4
 * comes through, and the new state is then accepted.
 */
class PausedMigrationTest {

  @Test
  void aV4DatabaseKeepsEveryRowAndTakesThePausedState(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("vm.db");
    String url = "jdbc:sqlite:" + file;
    Flyway.configure(getClass().getClassLoader())
        .dataSource(url, null, null)
        .locations("classpath:db/migration/kit", "classpath:db/migration/vm")
        .target("4")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.executeUpdate(
          "INSERT INTO vms (id, name, image, kernel, vcpu, memory_mib, work_disk_bytes,"
              + " system_overlay_bytes, nat, driver, state, state_reason, last_workspace,"
              + " started_at, ip_address, mac_address, create_request_id, create_request,"
              + " owner_uid) VALUES ('id-1', 'old', 'img', 'k', 2, 512, 1024, 2048, 1, 'qemu',"
              + " 'running', 'why', '/root/repo', '2026-12-01T00:00:00.000Z', '172.16.0.5',"
              + " '02:00:00:00:00:05', 'req-1', 'name=old', 1000)");
    }

    SqliteDatabase db = SqliteDatabase.open(file, "vm", "db/migration/vm");
    VmStore store = new VmStore(db);
    VmRecord v = store.find("old").orElseThrow();
    assertEquals("id-1", v.id());
    assertEquals(VmState.RUNNING, v.state());
    assertEquals("why", v.stateReason());
    assertEquals(2, v.vcpu());
    assertEquals(2048, v.systemOverlayBytes());
    assertEquals(true, v.nat());
    assertEquals("/root/repo", v.lastWorkspace());
    assertEquals("172.16.0.5", v.ipAddress());
    assertEquals("02:00:00:00:00:05", v.macAddress());
    assertEquals("req-1", v.createRequestId());
    assertEquals(1000, v.ownerUid());
    java.time.Instant started = v.startedAt();

    store.setPaused("id-1", true);
    VmRecord paused = store.find("old").orElseThrow();
    assertEquals(VmState.PAUSED, paused.state());
    assertEquals(null, paused.stateReason());
    assertEquals(started, paused.startedAt(), "a pause does not touch the start time");
  }
}
