package dev.banger.kit.db;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * A service's own SQLite database: WAL journal, a busy timeout instead of instant SQLITE_BUSY,
 * foreign keys enforced, and Flyway migrations applied at start-up (forward only).
 *
 * <p>Migrations live in {@code db/migration/kit} (shared tables, versions {@code V0_*}) and {@code
 * db/migration/<service>} (versions {@code V1+}); per-service folders keep four services in one JVM
 * from seeing each other's scripts.
 */
public final class SqliteDatabase {

  private static final Logger log = LoggerFactory.getLogger(SqliteDatabase.class);
  public static final int BUSY_TIMEOUT_MS = 5000;

  private final Path file;
  private final DataSource dataSource;

  private SqliteDatabase(Path file, DataSource dataSource) {
    this.file = file;
    this.dataSource = dataSource;
  }

  /**
   * Opens (creating if needed) and migrates a service's database: the kit's shared migrations plus
   * those under {@code migrations} (see {@code BangerService.migrations()}).
   */
  public static SqliteDatabase open(Path file, String serviceId, String migrations) {
    SQLiteConfig cfg = new SQLiteConfig();
    cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
    cfg.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
    cfg.enforceForeignKeys(true);
    SQLiteDataSource ds = new SQLiteDataSource(cfg);
    ds.setUrl("jdbc:sqlite:" + file);
    long t0 = System.nanoTime();
    MigrateResult r =
        Flyway.configure(SqliteDatabase.class.getClassLoader())
            .dataSource(ds)
            .locations(
                List.of("classpath:db/migration/kit", "classpath:" + migrations)
                    .toArray(String[]::new))
            .failOnMissingLocations(true)
            .loggers("slf4j")
            .load()
            .migrate();
    log.info(
        "service={} db={} schema version {} ({} migrations applied, {} ms)",
        serviceId,
        file,
        r.targetSchemaVersion,
        r.migrationsExecuted,
        (System.nanoTime() - t0) / 1_000_000);
    return new SqliteDatabase(file, ds);
  }

  public Path file() {
    return file;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  public Connection connection() throws SQLException {
    return dataSource.getConnection();
  }

  /** Reads one row of a result into a value. */
  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
  }

  /**
   * Every row of {@code sql} with {@code args} bound in order, each through {@code mapper}, on a
   * connection of its own.
   */
  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    try (Connection c = connection();
        PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      List<T> out = new ArrayList<>();
      try (ResultSet r = s.executeQuery()) {
        while (r.next()) {
          out.add(mapper.map(r));
        }
      }
      return out;
    }
  }

  /** Runs a statement with {@code args} bound in order; the rows it changed. */
  public int update(String sql, Object... args) throws SQLException {
    try (Connection c = connection();
        PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      return s.executeUpdate();
    }
  }

  /** Statements on one connection, inside one transaction. */
  @FunctionalInterface
  public interface Work {
    void run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one transaction: all of it is committed, or none of it. */
  public void transaction(Work work) throws SQLException {
    try (Connection c = connection()) {
      c.setAutoCommit(false);
      try {
        work.run(c);
        c.commit();
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException rollback) {
          e.addSuppressed(rollback); // the first failure is the one to report
        }
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
  }

  /** As {@link #update}, on a transaction's connection. */
  public static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      bind(s, args);
      return s.executeUpdate();
    }
  }

  private static void bind(PreparedStatement s, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      s.setObject(i + 1, args[i]);
    }
  }
}
