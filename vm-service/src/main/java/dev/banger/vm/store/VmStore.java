package dev.banger.vm.store;

import dev.banger.kit.db.SqliteDatabase;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * vm-service's table of VMs. Every write is one statement, so a crash leaves a row either as it was
 * or as it became; runtime handles are not here (see {@code HandlesFile}).
 */
public final class VmStore {

  private static final String COLUMNS =
      "id, name, image, kernel, vcpu, memory_mib, work_disk_bytes,"
          + " system_overlay_bytes, nat, driver, state, state_reason, last_workspace, ip_address, mac_address,"
          + " create_request_id, created_at, updated_at, started_at, owner_uid";
  private static final String SELECT = "SELECT " + COLUMNS + " FROM vms";
  private static final String NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

  private final SqliteDatabase db;

  public VmStore(SqliteDatabase db) {
    this.db = db;
  }

  /**
   * By id or by name: the two never collide, because {@link dev.banger.vm.app.VmNames} refuses
   * names shaped like a UUID.
   */
  public Optional<VmRecord> find(String idOrName) throws SQLException {
    return db.query(SELECT + " WHERE id = ? OR name = ?", VmStore::row, idOrName, idOrName).stream()
        .findFirst();
  }

  /**
   * What a create with this request id asked for ({@code CreateRequest.canonical}), if any VM has
   * it.
   */
  public Optional<String> createRequestOf(String requestId) throws SQLException {
    return db
        .query(
            "SELECT create_request FROM vms WHERE create_request_id = ?",
            r -> r.getString(1),
            requestId)
        .stream()
        .filter(java.util.Objects::nonNull)
        .findFirst();
  }

  /**
   * Records what the create that made this VM asked for, to tell a retry from a reuse of its id.
   */
  public void setCreateRequest(String id, String canonical) throws SQLException {
    db.update("UPDATE vms SET create_request = ? WHERE id = ?", canonical, id);
  }

  public Optional<VmRecord> byCreateRequest(String requestId) throws SQLException {
    return db.query(SELECT + " WHERE create_request_id = ?", VmStore::row, requestId).stream()
        .findFirst();
  }

  public List<VmRecord> list() throws SQLException {
    return db.query(SELECT + " ORDER BY name", VmStore::row);
  }

  public List<VmRecord> inStates(VmState... states) throws SQLException {
    return list().stream().filter(v -> List.of(states).contains(v.state())).toList();
  }

  public boolean nameTaken(String name) throws SQLException {
    return !db.query("SELECT 1 FROM vms WHERE name = ?", r -> 1, name).isEmpty();
  }

  /** Inserts a new VM; a taken name or request id surfaces as the SQLite constraint error. */
  public void insert(VmRecord v) throws SQLException {
    db.update(
        "INSERT INTO vms (id, name, image, kernel, vcpu, memory_mib, work_disk_bytes, system_overlay_bytes,"
            + " nat, driver, state, create_request_id, owner_uid)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        v.id(),
        v.name(),
        v.image(),
        v.kernel(),
        v.vcpu(),
        v.memoryMib(),
        v.workDiskBytes(),
        v.systemOverlayBytes(),
        v.nat() ? 1 : 0,
        v.driver(),
        v.state().column(),
        v.createRequestId(),
        v.ownerUid());
  }

  public void setState(String id, VmState state, String reason) throws SQLException {
    db.update(
        "UPDATE vms SET state = ?, state_reason = ?, updated_at = "
            + NOW
            + (state == VmState.RUNNING ? ", started_at = " + NOW : "")
            + " WHERE id = ?",
        state.column(),
        reason,
        id);
  }

  /**
   * Between running and paused: unlike {@link #setState}, {@code started_at} stays, since the guest
   * was not booted again.
   */
  public void setPaused(String id, boolean paused) throws SQLException {
    db.update(
        "UPDATE vms SET state = ?, state_reason = NULL, updated_at = " + NOW + " WHERE id = ?",
        (paused ? VmState.PAUSED : VmState.RUNNING).column(),
        id);
  }

  public void setNetwork(String id, String ip, String mac) throws SQLException {
    db.update(
        "UPDATE vms SET ip_address = ?, mac_address = ?, updated_at = " + NOW + " WHERE id = ?",
        ip,
        mac,
        id);
  }

  public void setSpec(String id, int vcpu, int memoryMib, long workDiskBytes) throws SQLException {
    db.update(
        "UPDATE vms SET vcpu = ?, memory_mib = ?, work_disk_bytes = ?, updated_at = "
            + NOW
            + " WHERE id = ?",
        vcpu,
        memoryMib,
        workDiskBytes,
        id);
  }

  /** The last prepared workspace, as vm-service's JSON (PreparedWorkspace's stored form). */
  public void setWorkspace(String id, String json) throws SQLException {
    db.update("UPDATE vms SET last_workspace = ?, updated_at = " + NOW + " WHERE id = ?", json, id);
  }

  public void delete(String id) throws SQLException {
    db.update("DELETE FROM vms WHERE id = ?", id);
  }

  private static VmRecord row(ResultSet r) throws SQLException {
    return VmRecord.builder()
        .id(r.getString(1))
        .name(r.getString(2))
        .image(r.getString(3))
        .kernel(r.getString(4))
        .vcpu(r.getInt(5))
        .memoryMib(r.getInt(6))
        .workDiskBytes(r.getLong(7))
        .systemOverlayBytes(r.getLong(8))
        .nat(r.getInt(9) == 1)
        .driver(r.getString(10))
        .state(VmState.ofColumn(r.getString(11)))
        .stateReason(r.getString(12))
        .lastWorkspace(r.getString(13))
        .ipAddress(r.getString(14))
        .macAddress(r.getString(15))
        .createRequestId(r.getString(16))
        .createdAt(instant(r.getString(17)))
        .updatedAt(instant(r.getString(18)))
        .startedAt(instant(r.getString(19)))
        .ownerUid(r.getObject(20) == null ? null : r.getInt(20))
        .build();
  }

  private static Instant instant(String s) {
    return s == null ? null : Instant.parse(s);
  }
}
