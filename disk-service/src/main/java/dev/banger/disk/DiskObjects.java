package dev.banger.disk;

import dev.banger.kit.db.SqliteDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/** disk-service's record of the overlays and work disks it made, one of each per VM. */
final class DiskObjects {

  enum Kind {
    OVERLAY("overlay"),
    WORK_DISK("work_disk");

    final String column;

    Kind(String column) {
      this.column = column;
    }
  }

  record Row(
      String vmId, Kind kind, String path, String strategy, long sizeBytes, String sourcePath) {}

  private final SqliteDatabase db;

  DiskObjects(SqliteDatabase db) {
    this.db = db;
  }

  Optional<Row> find(String vmId, Kind kind) {
    try (Connection c = db.connection();
        PreparedStatement s =
            c.prepareStatement(
                "SELECT path, strategy, size_bytes, source_path FROM disk_objects WHERE vm_id = ? AND kind = ?")) {
      s.setString(1, vmId);
      s.setString(2, kind.column);
      try (ResultSet r = s.executeQuery()) {
        if (!r.next()) {
          return Optional.empty();
        }
        return Optional.of(
            new Row(vmId, kind, r.getString(1), r.getString(2), r.getLong(3), r.getString(4)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException("reading disk_objects: " + e.getMessage(), e);
    }
  }

  void insert(Row row) {
    try (Connection c = db.connection();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO disk_objects (vm_id, kind, path, strategy, size_bytes,"
                    + " source_path) VALUES (?, ?, ?, ?, ?, ?)")) {
      s.setString(1, row.vmId());
      s.setString(2, row.kind().column);
      s.setString(3, row.path());
      s.setString(4, row.strategy());
      s.setLong(5, row.sizeBytes());
      s.setString(6, row.sourcePath());
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "recording " + row.kind().column + " of " + row.vmId() + ": " + e.getMessage(), e);
    }
  }

  void setSize(String vmId, Kind kind, long sizeBytes) {
    try (Connection c = db.connection();
        PreparedStatement s =
            c.prepareStatement(
                "UPDATE disk_objects SET size_bytes = ? WHERE vm_id = ? AND kind = ?")) {
      s.setLong(1, sizeBytes);
      s.setString(2, vmId);
      s.setString(3, kind.column);
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "recording the size of " + kind.column + " of " + vmId + ": " + e.getMessage(), e);
    }
  }

  void delete(String vmId, Kind kind) {
    try (Connection c = db.connection();
        PreparedStatement s =
            c.prepareStatement("DELETE FROM disk_objects WHERE vm_id = ? AND kind = ?")) {
      s.setString(1, vmId);
      s.setString(2, kind.column);
      s.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(
          "forgetting " + kind.column + " of " + vmId + ": " + e.getMessage(), e);
    }
  }
}
