package dev.banger.image.store;

import dev.banger.kit.db.SqliteDatabase;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** image-service's table of imported kernels (docs/kernels.md, "Import"). */
public final class KernelStore {

  /**
   * One kernel. {@code bzImagePath}, {@code initrdPath} and {@code modulesPath} are null when the
   * import had none; {@code modulesPath} is the directory holding {@code lib/modules/<version>}.
   */
  public record KernelRow(
      String id,
      String name,
      String version,
      String vmlinuxPath,
      String bzImagePath,
      String initrdPath,
      String modulesPath,
      Instant created) {

    /** {@code <modulesPath>/lib/modules/<version>}, when the kernel has modules. */
    public Optional<java.nio.file.Path> modulesTree() {
      return modulesPath == null
          ? Optional.empty()
          : Optional.of(java.nio.file.Path.of(modulesPath, "lib", "modules", version));
    }
  }

  private static final String SELECT =
      "SELECT id, name, version, vmlinux_path, bzimage_path, initrd_path,"
          + " modules_path, created_at FROM kernels";

  private final NamedTable<KernelRow> table;

  public KernelStore(SqliteDatabase db) {
    this.table =
        new NamedTable<>(
            db,
            "kernels",
            SELECT,
            "",
            r ->
                new KernelRow(
                    r.getString(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4),
                    r.getString(5),
                    r.getString(6),
                    r.getString(7),
                    Instant.parse(r.getString(8))));
  }

  /** By id or by name. */
  public Optional<KernelRow> find(String idOrName) {
    return table.find(idOrName);
  }

  /** Names sorted; {@code after} is the last name of the previous page ("" for the first). */
  public List<KernelRow> list(String after, int limit) {
    return table.list(after, limit);
  }

  public List<KernelRow> all() {
    return table.all();
  }

  public void insert(KernelRow r) {
    update(
        "INSERT INTO kernels (id, name, version, vmlinux_path, bzimage_path, initrd_path, modules_path)"
            + " VALUES (?, ?, ?, ?, ?, ?, ?)",
        r.id(),
        r.name(),
        r.version(),
        r.vmlinuxPath(),
        r.bzImagePath(),
        r.initrdPath(),
        r.modulesPath());
  }

  /** Images that name this kernel as their default lose it ({@code ON DELETE SET NULL}). */
  public void delete(String id) {
    update("DELETE FROM kernels WHERE id = ?", id);
  }

  /** Names of the images whose default kernel this is, sorted. */
  public List<String> imagesUsing(String kernelId) {
    return table.read(
        "SELECT name FROM images WHERE default_kernel = ? ORDER BY name",
        r -> r.getString(1),
        kernelId);
  }

  private void update(String sql, Object... args) {
    table.update(sql, args);
  }
}
