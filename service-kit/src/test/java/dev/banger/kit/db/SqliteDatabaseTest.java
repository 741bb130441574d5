package dev.banger.kit.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDatabaseTest {

  private static final String TESTSVC = "db/migration/testsvc";

  @TempDir Path dir;

  private static String pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void opensWithWalBusyTimeoutAndForeignKeysAndMigrates() throws Exception {
    SqliteDatabase db = SqliteDatabase.open(dir.resolve("t.db"), "testsvc", TESTSVC);
    try (Connection c = db.connection()) {
      assertEquals("wal", pragma(c, "journal_mode"));
      assertEquals("1", pragma(c, "foreign_keys"));
      assertEquals(Integer.toString(SqliteDatabase.BUSY_TIMEOUT_MS), pragma(c, "busy_timeout"));
      try (Statement s = c.createStatement()) {
        s.executeUpdate(
            "INSERT INTO request_log(request_id, method, caller_uid) VALUES ('r1', 'm', 0)");
        SQLException fk =
            assertThrows(
                SQLException.class,
                () -> s.executeUpdate("INSERT INTO child(id, parent_id) VALUES (1, 42)"));
        assertTrue(fk.getMessage().contains("FOREIGN KEY"), fk.getMessage());
      }
    }
  }

  @Test
  void queryAndUpdateBindArgumentsInOrder() throws Exception {
    SqliteDatabase db = SqliteDatabase.open(dir.resolve("t.db"), "testsvc", TESTSVC);
    assertEquals(1, db.update("INSERT INTO parent(id) VALUES (?)", 3));
    assertEquals(1, db.update("INSERT INTO parent(id) VALUES (?)", 9));
    assertEquals(
        java.util.List.of(3, 9), db.query("SELECT id FROM parent ORDER BY id", r -> r.getInt(1)));
    assertEquals(
        java.util.List.of(9),
        db.query("SELECT id FROM parent WHERE id > ? AND id < ?", r -> r.getInt(1), 4, 10));
    assertEquals(0, db.update("DELETE FROM parent WHERE id = ?", 42), "the rows changed: none");
    assertThrows(
        SQLException.class,
        () -> db.update("INSERT INTO child(id, parent_id) VALUES (?, ?)", 1, 42));
  }

  @Test
  void reopeningAppliesNothingTwiceAndKeepsData() throws Exception {
    Path f = dir.resolve("t.db");
    try (Connection c = SqliteDatabase.open(f, "testsvc", TESTSVC).connection();
        Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO parent(id) VALUES (7)");
    }
    try (Connection c = SqliteDatabase.open(f, "testsvc", TESTSVC).connection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success = 1")) {
      rs.next();
      assertEquals(2, rs.getInt(1), "kit V0_1 + testsvc V1");
      try (ResultSet p = s.executeQuery("SELECT id FROM parent")) {
        p.next();
        assertEquals(7, p.getInt(1));
      }
    }
  }

  @Test
  void unknownServiceHasNoMigrationsAndFailsLoudly() {
    Exception e =
        assertThrows(
            Exception.class,
            () ->
                SqliteDatabase.open(
                    dir.resolve("x.db"), "no-such-service", "db/migration/no-such-service"));
    assertTrue(String.valueOf(e.getMessage()).contains("no-such-service"), e.getMessage());
  }
}
