package dev.banger.net;

import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.net.Ipv4Cidr;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The {@code bridges} table: bridges EnsureBridge has set up, and whether banger made them. */
final class BridgeStore {

  private final SqliteDatabase db;

  BridgeStore(SqliteDatabase db) {
    this.db = db;
  }

  Optional<BridgeRecord> find(String name) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement s =
            c.prepareStatement("SELECT name, cidr, created FROM bridges WHERE name = ?")) {
      s.setString(1, name);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? Optional.of(row(rs)) : Optional.empty();
      }
    }
  }

  List<BridgeRecord> all() throws SQLException {
    List<BridgeRecord> out = new ArrayList<>();
    try (Connection c = db.connection();
        ResultSet rs =
            c.createStatement()
                .executeQuery("SELECT name, cidr, created FROM bridges ORDER BY name")) {
      while (rs.next()) {
        out.add(row(rs));
      }
    }
    return out;
  }

  /** Records the bridge; a later call may only upgrade {@code created} from 0 to 1. */
  void put(BridgeRecord b) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement s =
            c.prepareStatement(
                "INSERT INTO bridges(name, cidr, created) VALUES (?, ?, ?) "
                    + "ON CONFLICT(name) DO UPDATE SET created = max(created, excluded.created)")) {
      s.setString(1, b.name());
      s.setString(2, b.cidr().toString());
      s.setInt(3, b.created() ? 1 : 0);
      s.executeUpdate();
    }
  }

  void delete(String name) throws SQLException {
    try (Connection c = db.connection();
        PreparedStatement s = c.prepareStatement("DELETE FROM bridges WHERE name = ?")) {
      s.setString(1, name);
      s.executeUpdate();
    }
  }

  private static BridgeRecord row(ResultSet rs) throws SQLException {
    return new BridgeRecord(rs.getString(1), Ipv4Cidr.parse(rs.getString(2)), rs.getInt(3) == 1);
  }
}
