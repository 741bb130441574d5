package dev.banger.disk;

import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.StateLayout;
import dev.banger.kit.text.Printable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Confines every path a caller names to banger's own state (docs/architecture.md §1): the argument
 * is resolved with {@code toRealPath} (every symlink followed) and the result must lie inside the
 * images or VMs directory, themselves resolved the same way. Checking after resolution is what
 * stops a symlink planted under the state directory from pointing the service at {@code
 * /etc/shadow} or a host disk.
 */
final class PathGuard {

  /** VM ids are UUIDs (docs/architecture.md §10); lower case, canonical form only. */
  private static final Pattern VM_ID =
      Pattern.compile("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$");

  static final int MAX_PATH_CHARS = 4096;

  private final StateLayout layout;
  private final Path imagesRoot;
  private final Path vmsRoot;
  private final Path snapshotsRoot;

  /** Creates the images and VMs directories if needed and resolves them once, at start-up. */
  PathGuard(StateLayout layout) throws IOException {
    this.layout = layout;
    this.imagesRoot = Files.createDirectories(layout.images()).toRealPath();
    this.vmsRoot = Files.createDirectories(layout.vms()).toRealPath();
    this.snapshotsRoot = Files.createDirectories(layout.snapshots()).toRealPath();
  }

  Path snapshotsRoot() {
    return snapshotsRoot;
  }

  Path vmsRoot() {
    return vmsRoot;
  }

  /** An existing file under the images directory (rootfs, work-seed). */
  Path existingImageFile(String field, String raw) {
    return existing(field, raw, List.of(Root.IMAGES));
  }

  /**
   * What a VM disk may be made from: an image's file, or one of a snapshot's disk copies ({@code
   * snapshots/<uuid>/rootfs.ext4} or {@code work.ext4}, nothing else there), for a VM started from
   * the snapshot (docs/snapshots.md).
   */
  Path existingDiskSource(String field, String raw) {
    return existing(field, raw, List.of(Root.IMAGES, Root.SNAPSHOTS));
  }

  /** Whether {@code path} (as recorded for a disk) is one of a snapshot's disk copies. */
  boolean isSnapshotDisk(String path) {
    return path != null && snapshotDisk(Path.of(path));
  }

  private boolean snapshotDisk(Path real) {
    Path rel = real.startsWith(snapshotsRoot) ? snapshotsRoot.relativize(real) : null;
    return rel != null
        && rel.getNameCount() == 2
        && VM_ID.matcher(rel.getName(0).toString()).matches()
        && (rel.getName(1).toString().equals(VmDisks.OVERLAY_FILE)
            || rel.getName(1).toString().equals(VmDisks.WORK_FILE));
  }

  /**
   * An existing file under the images or VMs directory (what WriteGuestFiles and the probes may
   * read).
   */
  Path existingStateFile(String field, String raw) {
    return existing(field, raw, List.of(Root.IMAGES, Root.VMS));
  }

  private enum Root {
    IMAGES,
    VMS,
    SNAPSHOTS
  }

  private Path existing(String field, String raw, List<Root> roots) {
    if (raw == null || raw.isEmpty()) {
      throw Errors.invalidArgument(field, field + " is required");
    }
    if (raw.length() > MAX_PATH_CHARS || raw.indexOf('\0') >= 0) {
      throw Errors.invalidArgument(
          field, field + " is not a usable path (too long or contains NUL)");
    }
    Path p = Path.of(raw);
    if (!p.isAbsolute()) {
      throw Errors.invalidArgument(field, field + " \"" + raw + "\" must be an absolute path");
    }
    Path real;
    try {
      real = p.toRealPath();
    } catch (NoSuchFileException e) {
      throw Errors.invalidArgument(field, field + " \"" + raw + "\" does not exist");
    } catch (IOException e) {
      throw Errors.invalidArgument(
          field, field + " \"" + raw + "\" cannot be resolved: " + e.getMessage());
    }
    for (Root r : roots) {
      Path root =
          switch (r) {
            case IMAGES -> imagesRoot;
            case VMS -> vmsRoot;
            case SNAPSHOTS -> snapshotsRoot;
          };
      if (r == Root.SNAPSHOTS && real.startsWith(root) && !snapshotDisk(real)) {
        throw Errors.invalidArgument(
            field, field + " \"" + raw + "\" is not a snapshot's rootfs.ext4 or work.ext4");
      }
      if (real.startsWith(root) && !real.equals(root)) {
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
          throw Errors.invalidArgument(field, field + " \"" + raw + "\" is not a regular file");
        }
        return real;
      }
    }
    String where =
        roots.size() == 1
            ? layout.images().toString()
            : layout.images()
                + " or "
                + (roots.contains(Root.VMS) ? layout.vms() : layout.snapshots());
    throw Errors.invalidArgument(
        field,
        field
            + " \""
            + raw
            + "\""
            + (real.toString().equals(raw) ? "" : " (resolves to " + real + ")")
            + " is outside "
            + where);
  }

  /** Validates a VM id. */
  static String vmId(String raw) {
    return uuid("vm_id", raw);
  }

  /** Validates a snapshot id (vm-service makes them: UUIDs, as VM ids). */
  static String snapshotId(String raw) {
    return uuid("snapshot_id", raw);
  }

  private static String uuid(String field, String raw) {
    if (raw == null || !VM_ID.matcher(raw).matches()) {
      throw Errors.invalidArgument(
          field,
          field + " \"" + (raw == null ? "" : printable(raw)) + "\" is not a lower-case UUID");
    }
    return raw;
  }

  /**
   * A snapshot's directory, created when missing: root's, 0711. Unlike a VM's directory it is not
   * given to vm-service's user, who could otherwise swap a half-written copy for a symlink while
   * disk-service writes it as root; vm-service only traverses it into {@code state/}, its own.
   */
  Path snapshotDir(String snapshotId) throws IOException {
    Path dir = snapshotsRoot.resolve(snapshotId(snapshotId));
    if (Files.isSymbolicLink(dir)) {
      throw Errors.invalidArgument(
          "snapshot_id",
          "the directory of snapshot " + snapshotId + " is a symlink; refusing to use it");
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectory(
          dir,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x")));
    }
    return dir;
  }

  /**
   * The snapshot's {@code state/} (created when missing, 0700) given to the owner of the VMs
   * directory: the one place vm-service writes in a snapshot.
   */
  Path snapshotStateDir(Path snapshotDir) throws IOException {
    Path state = snapshotDir.resolve("state");
    if (!Files.isDirectory(state, LinkOption.NOFOLLOW_LINKS)) {
      Files.deleteIfExists(state);
      Files.createDirectory(
          state,
          java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
              java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      giveToOwnerOf(vmsRoot, state);
    }
    return state;
  }

  /**
   * The VM's directory, created when missing. It takes the owner of the VMs directory (the
   * vm-service user) so the VMM, which runs as that user, can open what disk-service puts there.
   */
  Path vmDir(String vmId) throws IOException {
    Path dir = vmsRoot.resolve(vmId(vmId));
    if (Files.isSymbolicLink(dir)) {
      throw Errors.invalidArgument(
          "vm_id", "the directory of VM " + vmId + " is a symlink; refusing to use it");
    }
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(dir);
      giveToOwnerOf(vmsRoot, dir);
    }
    return dir;
  }

  /** Gives {@code file} the owner and group of {@code dir}; a no-op when they already match. */
  static void giveToOwnerOf(Path dir, Path file) throws IOException {
    PosixFileAttributeView want = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
    PosixFileAttributeView have =
        Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    var wantAttrs = want.readAttributes();
    var haveAttrs = have.readAttributes();
    if (!haveAttrs.owner().equals(wantAttrs.owner())) {
      have.setOwner(wantAttrs.owner());
    }
    if (!haveAttrs.group().equals(wantAttrs.group())) {
      have.setGroup(wantAttrs.group());
    }
  }

  static String printable(String s) {
    return Printable.bare(s, 80);
  }
}
