package dev.banger.cli.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/**
 * The files and directories one install writes, as they are written: each file atomically (a
 * temporary file beside it, renamed over it, so a running bangerd keeps the jar it has open), each
 * missing directory created 0755 and remembered. What it holds becomes the manifest.
 */
final class InstallFiles {

  private final TreeMap<String, InstallManifest.FileEntry> files = new TreeMap<>();
  private final Set<String> dirs = new LinkedHashSet<>();

  /** Directories an earlier install created: still install's (uninstall may remove them). */
  void adoptDirs(Collection<String> earlier) {
    earlier.stream()
        .filter(d -> Files.isDirectory(Path.of(d), LinkOption.NOFOLLOW_LINKS))
        .forEach(dirs::add);
  }

  /** A file an earlier install wrote that this one leaves as it is (the example config). */
  void keep(InstallManifest.FileEntry e) {
    files.put(e.path(), e);
  }

  boolean has(Path file) {
    return files.containsKey(file.toString());
  }

  void mkdirs(Path dir) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path p = dir;
        p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS);
        p = p.getParent()) {
      missing.addFirst(p);
    }
    for (Path p : missing) {
      Files.createDirectory(p);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      dirs.add(p.toString());
    }
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " exists and is not a directory");
    }
  }

  void write(Path file, byte[] bytes, String perms) throws IOException {
    mkdirs(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".banger-tmp");
    Files.deleteIfExists(tmp);
    Files.write(tmp, bytes);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString(perms));
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    files.put(
        file.toString(),
        new InstallManifest.FileEntry(file.toString(), InstallManifest.sha256(file)));
  }

  /** A copy with the source's execute bit as 0755, else 0644 (never group- or world-writable). */
  void copy(Path from, Path to) throws IOException {
    boolean exec =
        Files.getPosixFilePermissions(from)
            .contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
    write(to, Files.readAllBytes(from), exec ? "rwxr-xr-x" : "rw-r--r--");
  }

  /** Forgets directories that are gone (removed as empty after stale files went). */
  void dropMissingDirs() {
    dirs.removeIf(d -> !Files.isDirectory(Path.of(d), LinkOption.NOFOLLOW_LINKS));
  }

  /** Directories this install needs: ancestors of what it wrote, and of {@code also}. */
  boolean needed(String dir, Path also) {
    Path d = Path.of(dir);
    return also.startsWith(d) || files.keySet().stream().anyMatch(f -> Path.of(f).startsWith(d));
  }

  Collection<InstallManifest.FileEntry> fileEntries() {
    return files.values();
  }

  InstallManifest manifest(String owner, String prefix, List<String> units) {
    return new InstallManifest(
        InstallManifest.VERSION,
        owner,
        prefix,
        units,
        List.copyOf(files.values()),
        dirs.stream().sorted(Comparator.naturalOrder()).toList());
  }

  List<String> dirs() {
    return List.copyOf(dirs);
  }
}
