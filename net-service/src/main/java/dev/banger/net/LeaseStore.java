package dev.banger.net;

import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.net.Ipv4Cidr;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code leases} and {@code released_addresses} tables. Opening a SQLite connection costs about
 * 0.5 ms here, so a lease's half-dozen reads and its insert share one through {@link #work}.
 */
final class LeaseStore {

  private static final String SELECT =
      "SELECT l.vm_id, l.vm_name, l.bridge, l.ip_address, b.cidr, l.mac_address, l.nat "
          + "FROM leases l JOIN bridges b ON b.name = l.bridge ";

  @FunctionalInterface
  interface Sql<T> {
    T run(Connection c) throws SQLException;
  }

  @FunctionalInterface
  interface Work<T> {
    T run() throws Exception;
  }

  private final SqliteDatabase db;
  private final ThreadLocal<Connection> shared = new ThreadLocal<>();

  LeaseStore(SqliteDatabase db) {
    this.db = db;
  }

  /** Runs {@code body} with every call of this store on this thread using one connection. */
  <T> T work(Work<T> body) throws Exception {
    if (shared.get() != null) {
      return body.run();
    }
    try (Connection c = db.connection()) {
      shared.set(c);
      try {
        return body.run();
      } finally {
        shared.remove();
      }
    }
  }

  private <T> T with(Sql<T> sql) throws SQLException {
    Connection c = shared.get();
    if (c != null) {
      return sql.run(c);
    }
    try (Connection own = db.connection()) {
      return sql.run(own);
    }
  }

  Optional<Lease> find(String vmId) throws SQLException {
    return one(SELECT + "WHERE l.vm_id = ?", vmId);
  }

  Optional<Lease> findByName(String vmName) throws SQLException {
    return one(SELECT + "WHERE l.vm_name = ?", vmName);
  }

  List<Lease> all() throws SQLException {
    return many(SELECT + "ORDER BY l.bridge, l.created_at, l.vm_id", null);
  }

  List<Lease> natted() throws SQLException {
    return many(SELECT + "WHERE l.nat = 1 ORDER BY l.bridge, l.ip_address", null);
  }

  int countOnBridge(String bridge) throws SQLException {
    return with(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT count(*) FROM leases WHERE bridge = ?")) {
            s.setString(1, bridge);
            try (ResultSet rs = s.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  /** Addresses leased on a bridge. */
  Set<Integer> leasedAddresses(String bridge) throws SQLException {
    return with(
        c -> {
          Set<Integer> out = new HashSet<>();
          try (PreparedStatement s =
              c.prepareStatement("SELECT ip_address FROM leases WHERE bridge = ?")) {
            s.setString(1, bridge);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                out.add(Ipv4Cidr.parseAddress(rs.getString(1)));
              }
            }
          }
          return out;
        });
  }

  boolean macInUse(String mac) throws SQLException {
    return with(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT 1 FROM leases WHERE mac_address = ?")) {
            s.setString(1, mac);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  /** Addresses released on a bridge, with when (epoch ms). */
  Map<Integer, Long> released(String bridge) throws SQLException {
    return with(
        c -> {
          Map<Integer, Long> out = new HashMap<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT ip_address, released_at_ms FROM released_addresses WHERE bridge = ?")) {
            s.setString(1, bridge);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                out.put(Ipv4Cidr.parseAddress(rs.getString(1)), rs.getLong(2));
              }
            }
          }
          return out;
        });
  }

  /** Inserts the lease and takes its address off the released list, in one transaction. */
  void insert(Lease l) throws SQLException {
    transaction(
        c -> {
          try (PreparedStatement ins =
                  c.prepareStatement(
                      "INSERT INTO leases(vm_id, vm_name, bridge, ip_address, mac_address, nat) VALUES (?, ?, ?, ?, ?, ?)");
              PreparedStatement del =
                  c.prepareStatement("DELETE FROM released_addresses WHERE ip_address = ?")) {
            ins.setString(1, l.vmId());
            ins.setString(2, l.vmName());
            ins.setString(3, l.bridge());
            ins.setString(4, l.ip());
            ins.setString(5, l.mac());
            ins.setInt(6, l.nat() ? 1 : 0);
            ins.executeUpdate();
            del.setString(1, l.ip());
            del.executeUpdate();
          }
          return null;
        });
  }

  /** Deletes the lease and records its address as released now, in one transaction. */
  void delete(Lease l, long nowMs) throws SQLException {
    transaction(
        c -> {
          try (PreparedStatement del = c.prepareStatement("DELETE FROM leases WHERE vm_id = ?");
              PreparedStatement rel =
                  c.prepareStatement(
                      "INSERT INTO released_addresses(ip_address, bridge, released_at_ms) "
                          + "VALUES (?, ?, ?) ON CONFLICT(ip_address) DO UPDATE SET bridge = excluded.bridge, "
                          + "released_at_ms = excluded.released_at_ms")) {
            del.setString(1, l.vmId());
            del.executeUpdate();
            rel.setString(1, l.ip());
            rel.setString(2, l.bridge());
            rel.setLong(3, nowMs);
            rel.executeUpdate();
          }
          return null;
        });
  }

  void setNat(String vmId, boolean on) throws SQLException {
    update("UPDATE leases SET nat = ? WHERE vm_id = ?", on ? 1 : 0, vmId);
  }

  void rename(String vmId, String name) throws SQLException {
    update("UPDATE leases SET vm_name = ? WHERE vm_id = ?", name, vmId);
  }

  private void transaction(Sql<Void> body) throws SQLException {
    with(
        c -> {
          c.setAutoCommit(false);
          try {
            body.run(c);
            c.commit();
          } catch (SQLException e) {
            c.rollback();
            throw e;
          } finally {
            c.setAutoCommit(true);
          }
          return null;
        });
  }

  private void update(String sql, Object value, String vmId) throws SQLException {
    with(
        c -> {
          try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, value);
            s.setString(2, vmId);
            return s.executeUpdate();
          }
        });
  }

  private Optional<Lease> one(String sql, String arg) throws SQLException {
    List<Lease> l = many(sql, arg);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.getFirst());
  }

  private List<Lease> many(String sql, String arg) throws SQLException {
    return with(
        c -> {
          List<Lease> out = new ArrayList<>();
          try (PreparedStatement s = c.prepareStatement(sql)) {
            if (arg != null) {
              s.setString(1, arg);
            }
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                out.add(
                    new Lease(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        Ipv4Cidr.parseAddress(rs.getString(4)),
                        Ipv4Cidr.parse(rs.getString(5)),
                        rs.getString(6),
                        rs.getInt(7) == 1));
              }
            }
          }
          return out;
        });
  }
}
