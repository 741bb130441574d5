package dev.banger.net;

import dev.banger.kit.db.SqliteDatabase;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The {@code host_settings} table: this installation's id, and what banger changed on the host. */
final class HostSettings {

  static final String INSTALL_ID = "install_id";

  /** Present (value "1") while banger is the one that switched net.ipv4.ip_forward on. */
  static final String IP_FORWARD_SET = "ip_forward_set_by_banger";

  private final SqliteDatabase db;

  HostSettings(SqliteDatabase db) {
    this.db = db;
  }

  /**
   * A random 8-hex-digit id made on first start. It is part of every tap mark, so two installations
   * sharing a host (two state directories) never reconcile away each other's taps.
   */
  synchronized String installId() throws SQLException {
    Optional<String> id = get(INSTALL_ID);
    if (id.isPresent()) {
      return id.get();
    }
    byte[] b = new byte[4];
    new SecureRandom().nextBytes(b);
    String fresh = HexFormat.of().formatHex(b);
    put(INSTALL_ID, fresh);
    return fresh;
  }

  Optional<String> get(String key) throws SQLException {
    return db
        .query("SELECT value FROM host_settings WHERE key = ?", r -> r.getString(1), key)
        .stream()
        .findFirst();
  }

  void put(String key, String value) throws SQLException {
    db.update(
        "INSERT INTO host_settings(key, value) VALUES (?, ?)"
            + " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        key,
        value);
  }

  /** Keys starting with {@code prefix}, in order. */
  List<String> keysWithPrefix(String prefix) throws SQLException {
    return db.query(
        "SELECT key FROM host_settings WHERE substr(key, 1, ?) = ? ORDER BY key",
        r -> r.getString(1),
        prefix.length(),
        prefix);
  }

  void remove(String key) throws SQLException {
    db.update("DELETE FROM host_settings WHERE key = ?", key);
  }
}
