package dev.banger.image.store;

import dev.banger.kit.db.SqliteDatabase;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What the image and kernel tables share: rows found by id or name, listed by name in pages, and
 * SQL failures reported as which table could not be read or written.
 *
 * @param <R> the row record
 */
final class NamedTable<R> {

  private final SqliteDatabase db;
  private final String table;
  private final String select;
  private final String column;
  private final SqliteDatabase.RowMapper<R> mapper;

  /**
   * @param table the table's name, for messages
   * @param select the SELECT of every row, without WHERE or ORDER BY
   * @param alias the table's alias in {@code select} followed by a dot ("i."), or ""
   */
  NamedTable(
      SqliteDatabase db,
      String table,
      String select,
      String alias,
      SqliteDatabase.RowMapper<R> mapper) {
    this.db = db;
    this.table = table;
    this.select = select;
    this.column = alias;
    this.mapper = mapper;
  }

  /** By id or by name. */
  Optional<R> find(String idOrName) {
    List<R> rows =
        query(" WHERE " + column + "id = ? OR " + column + "name = ?", idOrName, idOrName);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
  }

  /** Names sorted; {@code after} is the last name of the previous page ("" for the first). */
  List<R> list(String after, int limit) {
    return query(" WHERE " + column + "name > ? ORDER BY " + column + "name LIMIT " + limit, after);
  }

  List<R> all() {
    return query(" ORDER BY " + column + "name");
  }

  /** The rows {@code select} + {@code where} finds. */
  List<R> query(String where, Object... args) {
    try {
      return db.query(select + where, mapper, args);
    } catch (SQLException e) {
      throw new IllegalStateException("reading " + table + ": " + e.getMessage(), e);
    }
  }

  /** Any other query, mapped by {@code rows}, failing as a read of this table. */
  <T> List<T> read(String sql, SqliteDatabase.RowMapper<T> rows, Object... args) {
    try {
      return db.query(sql, rows, args);
    } catch (SQLException e) {
      throw new IllegalStateException("reading " + table + ": " + e.getMessage(), e);
    }
  }

  /** How many rows {@code sql} changed. */
  int update(String sql, Object... args) {
    try {
      return db.update(sql, args);
    } catch (SQLException e) {
      throw new IllegalStateException("writing " + table + ": " + e.getMessage(), e);
    }
  }

  /** {@code work} in one transaction. */
  void transaction(SqliteDatabase.Work work) {
    try {
      db.transaction(work);
    } catch (SQLException e) {
      throw new IllegalStateException("writing " + table + ": " + e.getMessage(), e);
    }
  }
}
