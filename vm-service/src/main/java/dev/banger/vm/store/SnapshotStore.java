package dev.banger.vm.store;

import dev.banger.kit.db.SqliteDatabase;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** vm-service's table of snapshots; one statement per write, as {@link VmStore}. */
public final class SnapshotStore {

  private static final String COLUMNS =
      "id, name, vm_id, vm_name, image, kernel, vcpu, memory_mib, work_disk_bytes,"
          + " system_overlay_bytes, driver, directory, state_bytes, disk_bytes, guest_ip, guest_mac,"
          + " created_at";

  private final SqliteDatabase db;

  public SnapshotStore(SqliteDatabase db) {
    this.db = db;
  }

  /** By id or by name (names are never UUID-shaped, as VM names). */
  public Optional<SnapshotRecord> find(String idOrName) throws SQLException {
    return db
        .query(
            "SELECT " + COLUMNS + " FROM snapshots WHERE id = ? OR name = ?",
            SnapshotStore::row,
            idOrName,
            idOrName)
        .stream()
        .findFirst();
  }

  public List<SnapshotRecord> list() throws SQLException {
    return db.query("SELECT " + COLUMNS + " FROM snapshots ORDER BY name", SnapshotStore::row);
  }

  public boolean nameTaken(String name) throws SQLException {
    return !db.query("SELECT 1 FROM snapshots WHERE name = ?", r -> 1, name).isEmpty();
  }

  public void insert(SnapshotRecord s) throws SQLException {
    db.update(
        "INSERT INTO snapshots ("
            + COLUMNS.replace(", created_at", "")
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        s.id(),
        s.name(),
        s.vmId(),
        s.vmName(),
        s.image(),
        s.kernel(),
        s.vcpu(),
        s.memoryMib(),
        s.workDiskBytes(),
        s.systemOverlayBytes(),
        s.driver(),
        s.directory().toString(),
        s.stateBytes(),
        s.diskBytes(),
        s.guestIp(),
        s.guestMac());
  }

  public void delete(String id) throws SQLException {
    db.update("DELETE FROM snapshots WHERE id = ?", id);
  }

  private static SnapshotRecord row(ResultSet r) throws SQLException {
    return SnapshotRecord.builder()
        .id(r.getString(1))
        .name(r.getString(2))
        .vmId(r.getString(3))
        .vmName(r.getString(4))
        .image(r.getString(5))
        .kernel(r.getString(6))
        .vcpu(r.getInt(7))
        .memoryMib(r.getInt(8))
        .workDiskBytes(r.getLong(9))
        .systemOverlayBytes(r.getLong(10))
        .driver(r.getString(11))
        .directory(Path.of(r.getString(12)))
        .stateBytes(r.getLong(13))
        .diskBytes(r.getLong(14))
        .guestIp(r.getString(15))
        .guestMac(r.getString(16))
        .createdAt(Instant.parse(r.getString(17)))
        .build();
  }
}
