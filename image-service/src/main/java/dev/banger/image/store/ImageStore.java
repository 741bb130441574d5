package dev.banger.image.store;

import dev.banger.image.build.GuestCheck;
import dev.banger.image.build.ImageCommand;
import dev.banger.kit.db.SqliteDatabase;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** image-service's table of built images and the VMs that use them. */
public final class ImageStore {

  /** One image row, with the number of VMs referencing it. */
  /**
   * One image row, with the number of VMs referencing it. {@code managed} is false for a registered
   * image whose rootfs lies outside banger's state (the user's file, never deleted).
   */
  public record ImageRow(
      String id,
      String name,
      String source,
      String origin,
      String digest,
      String rootfsPath,
      long rootfsBytes,
      String workSeedPath,
      String defaultKernel,
      long downloadBytes,
      Instant created,
      int vmRefs,
      boolean managed,
      GuestCheck.Verdict guest) {

    public static Builder builder() {
      return new Builder();
    }

    /**
     * Fields by name. Defaults: managed, no VM references, created now, no seed, kernel or
     * download, and an image that boots its own systemd.
     */
    public static final class Builder {
      private String id;
      private String name;
      private String source;
      private String origin;
      private String digest = "";
      private String rootfsPath;
      private long rootfsBytes;
      private String workSeedPath;
      private String defaultKernel;
      private long downloadBytes;
      private Instant created = Instant.now();
      private boolean managed = true;
      private GuestCheck.Verdict guest = new GuestCheck.Verdict(GuestCheck.Boot.SYSTEMD, List.of());

      private Builder() {}

      public Builder id(String v) {
        id = v;
        return this;
      }

      public Builder name(String v) {
        name = v;
        return this;
      }

      public Builder source(String v) {
        source = v;
        return this;
      }

      public Builder origin(String v) {
        origin = v;
        return this;
      }

      public Builder digest(String v) {
        digest = v;
        return this;
      }

      public Builder rootfs(String path, long bytes) {
        rootfsPath = path;
        rootfsBytes = bytes;
        return this;
      }

      public Builder workSeedPath(String v) {
        workSeedPath = v;
        return this;
      }

      public Builder defaultKernel(String v) {
        defaultKernel = v;
        return this;
      }

      public Builder downloadBytes(long v) {
        downloadBytes = v;
        return this;
      }

      public Builder created(Instant v) {
        created = v;
        return this;
      }

      public Builder managed(boolean v) {
        managed = v;
        return this;
      }

      public Builder guest(GuestCheck.Verdict v) {
        guest = v;
        return this;
      }

      public ImageRow build() {
        return new ImageRow(
            id,
            name,
            source,
            origin,
            digest,
            rootfsPath,
            rootfsBytes,
            workSeedPath,
            defaultKernel,
            downloadBytes,
            created,
            0,
            managed,
            guest);
      }
    }
  }

  private static final String SELECT =
      "SELECT i.id, i.name, i.source, i.origin, i.digest, i.rootfs_path,"
          + " i.rootfs_bytes, i.work_seed_path, i.default_kernel, i.download_bytes, i.created_at,"
          + " (SELECT COUNT(*) FROM image_refs r WHERE r.image_id = i.id), i.managed, i.guest_boot,"
          + " i.guest_notes, i.guest_command, i.guest_kit FROM images i";

  private final NamedTable<ImageRow> table;

  public ImageStore(SqliteDatabase db) {
    this.table =
        new NamedTable<>(
            db,
            "images",
            SELECT,
            "i.",
            r ->
                new ImageRow(
                    r.getString(1),
                    r.getString(2),
                    r.getString(3),
                    r.getString(4),
                    r.getString(5),
                    r.getString(6),
                    r.getLong(7),
                    r.getString(8),
                    r.getString(9),
                    r.getLong(10),
                    Instant.parse(r.getString(11)),
                    r.getInt(12),
                    r.getInt(13) == 1,
                    new GuestCheck.Verdict(
                        GuestCheck.Boot.of(r.getString(14)),
                        notes(r.getString(15)),
                        command(r.getString(16)),
                        r.getString(17))));
  }

  /** By id or by name. */
  public Optional<ImageRow> find(String idOrName) {
    return table.find(idOrName);
  }

  /** Names sorted; {@code after} is the last name of the previous page ("" for the first). */
  public List<ImageRow> list(String after, int limit) {
    return table.list(after, limit);
  }

  public List<ImageRow> all() {
    return table.all();
  }

  private static final String INSERT =
      "INSERT INTO images (id, name, source, origin, digest, rootfs_path, rootfs_bytes,"
          + " work_seed_path, default_kernel, download_bytes, managed, guest_boot, guest_notes,"
          + " guest_command, guest_kit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

  public void insert(ImageRow r) {
    update(INSERT, values(r));
  }

  /**
   * A forced pull's commit: the old row goes and the new one comes in one transaction, so the name
   * is never free, never taken twice, and a failure leaves the old image as it was.
   *
   * @return false, with nothing changed, when a VM refers to the old image by now
   */
  public boolean replace(String oldId, ImageRow r) {
    boolean[] replaced = new boolean[1];
    table.transaction(
        c -> {
          // Only while no VM refers to it: a VM made from the old image during the pull keeps
          // it (the check before the pull cannot see that one).
          replaced[0] =
              SqliteDatabase.update(
                      c,
                      "DELETE FROM images WHERE id = ? AND NOT EXISTS"
                          + " (SELECT 1 FROM image_refs WHERE image_id = ?)",
                      oldId,
                      oldId)
                  == 1;
          if (replaced[0]) {
            SqliteDatabase.update(c, INSERT, values(r));
          }
        });
    return replaced[0];
  }

  private static Object[] values(ImageRow r) {
    return new Object[] {
      r.id(),
      r.name(),
      r.source(),
      r.origin(),
      r.digest(),
      r.rootfsPath(),
      r.rootfsBytes(),
      r.workSeedPath(),
      r.defaultKernel(),
      r.downloadBytes(),
      r.managed() ? 1 : 0,
      r.guest().boot().id(),
      String.join("\n", r.guest().notes()),
      r.guest().command().equals(ImageCommand.NONE) ? "" : json(r.guest().command()),
      r.guest().kitVersion()
    };
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  private static String json(ImageCommand c) {
    try {
      return JSON.writeValueAsString(c);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ImageCommand command(String stored) {
    if (stored == null || stored.isEmpty()) {
      return ImageCommand.NONE;
    }
    try {
      return JSON.readValue(stored, ImageCommand.class);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("images.guest_command is not an image command: " + e);
    }
  }

  private static List<String> notes(String stored) {
    return stored == null || stored.isEmpty() ? List.of() : List.of(stored.split("\n"));
  }

  /**
   * PromoteImage's commit: the row now names the copy under images/ and its work-seed. Only an
   * unmanaged row changes, so a promote racing a delete or a second promote changes nothing.
   *
   * @return false when the row is gone or already managed
   */
  public boolean markPromoted(String id, String rootfsPath, long rootfsBytes, String workSeedPath) {
    return update(
            "UPDATE images SET rootfs_path = ?, rootfs_bytes = ?, work_seed_path = ?, managed = 1"
                + " WHERE id = ? AND managed = 0",
            rootfsPath,
            rootfsBytes,
            workSeedPath,
            id)
        == 1;
  }

  public void delete(String id) {
    update("DELETE FROM images WHERE id = ?", id);
  }

  /** Idempotent: recording the same VM twice is one reference. */
  public void addReference(String imageId, String vmId) {
    update("INSERT OR IGNORE INTO image_refs (image_id, vm_id) VALUES (?, ?)", imageId, vmId);
  }

  public void removeReference(String imageId, String vmId) {
    update("DELETE FROM image_refs WHERE image_id = ? AND vm_id = ?", imageId, vmId);
  }

  /** Every managed rootfs path on record, to tell published directories from crash leftovers. */
  public List<String> rootfsPaths() {
    return all().stream().filter(ImageRow::managed).map(ImageRow::rootfsPath).toList();
  }

  private int update(String sql, Object... args) {
    return table.update(sql, args);
  }
}
