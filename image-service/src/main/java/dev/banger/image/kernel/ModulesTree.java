package dev.banger.image.kernel;

import dev.banger.ext4.Ext4Exception;
import dev.banger.ext4.GuestPath;
import dev.banger.kit.text.Printable;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitor;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * A kernel's {@code lib/modules/<release>} directory, checked as a whole before a byte is copied
 * (docs/kernels.md, "Modules"): regular files, directories, and symlinks whose targets stay in the
 * tree; no devices, FIFOs or sockets; every name one debugfs can carry; at most {@link Limits}
 * entries and bytes; everything readable by every user ({@link SourceFiles}). The top-level {@code
 * build} and {@code source} links (to the host's kernel headers) mean nothing in a guest and are
 * skipped.
 */
public final class ModulesTree {

  static final Set<String> SKIPPED_LINKS = Set.of("build", "source");
  private static final String FIELD = "modules_path";
  private static final int MAX_LINKS = 40;
  private static final long REPORT_EVERY = 32L << 20;

  /** Bounds on a modules tree; Debian's 6.1 kernel has 4,919 entries and 396 MiB. */
  public record Limits(long maxBytes, long maxEntries) {
    public static final Limits DEFAULT = new Limits(4L << 30, 100_000);
  }

  /** Where the modules of a release are, as the user gave them and as resolved. */
  public record Located(Path given, Path real, String release) {}

  /** Called as bytes are copied. */
  public interface Progress {
    void copied(long bytesDone, long bytesTotal, int entriesDone, int entriesTotal);
  }

  private enum Kind {
    DIRECTORY,
    FILE,
    SYMLINK
  }

  private record Entry(
      String rel,
      Kind kind,
      Set<PosixFilePermission> perms,
      long size,
      FileTime mtime,
      String target) {}

  private final SourceFiles files;
  private final Located at;
  private final List<Entry> entries;
  private final List<String> skipped;
  private final long totalBytes;
  private final Limits limits;

  private ModulesTree(
      SourceFiles files,
      Located at,
      List<Entry> entries,
      List<String> skipped,
      long totalBytes,
      Limits limits) {
    this.files = files;
    this.limits = limits;
    this.at = at;
    this.entries = entries;
    this.skipped = skipped;
    this.totalBytes = totalBytes;
  }

  /**
   * Finds {@code lib/modules/<release>} from what the user gave: that directory, or {@code
   * lib/modules} holding it. With no known release (a vmlinux without a banner), the directory's
   * own name is the release.
   */
  public static Located locate(SourceFiles files, Path given, Optional<String> release)
      throws KernelSourceException {
    Path real = files.resolve(FIELD, given);
    files.requireDirectory(FIELD, given, real);
    String name = real.getFileName() == null ? "/" : real.getFileName().toString();
    if (release.isEmpty()) {
      if (!KernelRelease.valid(name)) {
        throw files.rejected(
            FIELD,
            given,
            "cannot name the modules' release: the kernel file states none, and the"
                + " directory name "
                + Printable.quoted(name, 80)
                + " is not a kernel release (like 6.1.0-56-amd64)");
      }
      return new Located(given, real, name);
    }
    String r = release.get();
    if (name.equals(r)) {
      return new Located(given, real, r);
    }
    Path inside = real.resolve(r);
    if (Files.isDirectory(inside, LinkOption.NOFOLLOW_LINKS)) {
      files.requireDirectory(FIELD, given.resolve(r), inside);
      return new Located(given.resolve(r), inside, r);
    }
    throw files.rejected(
        FIELD,
        given,
        KernelRelease.valid(name)
            ? "holds the modules of kernel "
                + name
                + ", but the kernel is "
                + r
                + "; give lib/modules/"
                + r
            : "is neither lib/modules/" + r + " (the kernel's release) nor a directory holding it");
  }

  /** Walks and checks the whole tree; nothing is copied. */
  public static ModulesTree scan(SourceFiles files, Located at, Limits limits) throws IOException {
    List<Entry> entries = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    long[] bytes = {0};
    Files.walkFileTree(
        at.real(),
        EnumSet.noneOf(java.nio.file.FileVisitOption.class),
        Integer.MAX_VALUE,
        new FileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs)
              throws IOException {
            String rel = rel(at.real(), dir);
            Path shown = shown(at, rel);
            files.requireDirectory(FIELD, shown, dir);
            add(rel, Kind.DIRECTORY, attrs(shown, dir), null);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            String rel = rel(at.real(), file);
            Path shown = shown(at, rel);
            PosixFileAttributes a = attrs(shown, file);
            if (a.isSymbolicLink()) {
              if (SKIPPED_LINKS.contains(rel)) {
                skipped.add(rel);
                return FileVisitResult.CONTINUE;
              }
              add(rel, Kind.SYMLINK, a, checkedTarget(files, at, rel, file));
            } else if (a.isRegularFile()) {
              files.requireReadableByAll(FIELD, shown, a);
              bytes[0] += a.size();
              if (bytes[0] > limits.maxBytes()) {
                throw files.rejected(
                    FIELD, at.given(), "holds more than " + limits.maxBytes() + " bytes of files");
              }
              add(rel, Kind.FILE, a, null);
            } else {
              throw files.rejected(
                  FIELD,
                  shown,
                  "is "
                      + SourceFiles.typeName(a)
                      + "; a modules tree may hold only files, directories and symlinks");
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            throw e instanceof java.nio.file.AccessDeniedException d
                ? files.unreadable(FIELD, shown(at, rel(at.real(), file)), d)
                : e;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            return FileVisitResult.CONTINUE;
          }

          private PosixFileAttributes attrs(Path shown, Path p) throws KernelSourceException {
            return files.attributes(FIELD, shown, p);
          }

          private void add(String rel, Kind kind, PosixFileAttributes a, String target)
              throws KernelSourceException {
            if (entries.size() >= limits.maxEntries()) {
              throw files.rejected(
                  FIELD, at.given(), "holds more than " + limits.maxEntries() + " entries");
            }
            if (!rel.isEmpty()) {
              try {
                GuestPath.of("/lib/modules/" + at.release() + "/" + rel);
              } catch (Ext4Exception e) {
                throw files.rejected(
                    FIELD,
                    shown(at, rel),
                    "has a name the rootfs builder cannot carry: " + e.getMessage());
              }
            }
            entries.add(
                new Entry(
                    rel,
                    kind,
                    a.permissions(),
                    kind == Kind.FILE ? a.size() : 0,
                    a.lastModifiedTime(),
                    target));
          }
        });
    return new ModulesTree(files, at, List.copyOf(entries), List.copyOf(skipped), bytes[0], limits);
  }

  /**
   * A link's target, refused when it is absolute or, followed inside the tree (through any links it
   * meets there), climbs out of it. It is copied verbatim, never followed on the host.
   */
  private static String checkedTarget(SourceFiles files, Located at, String rel, Path link)
      throws IOException {
    String target = Files.readSymbolicLink(link).toString();
    Path shown = shown(at, rel);
    if (target.isEmpty() || target.startsWith("/")) {
      throw files.rejected(
          FIELD,
          shown,
          "is a symlink to "
              + Printable.quoted(target, 120)
              + "; only relative links that stay inside the modules tree are copied");
    }
    Deque<String> path = new ArrayDeque<>(components(parent(rel)));
    Deque<String> todo = new ArrayDeque<>(components(target));
    int links = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.equals("..")) {
        if (path.isEmpty()) {
          throw files.rejected(
              FIELD,
              shown,
              "is a symlink to "
                  + Printable.quoted(target, 120)
                  + ", which leaves the modules tree");
        }
        path.removeLast();
        continue;
      }
      path.addLast(c);
      Path here = at.real().resolve(String.join("/", path));
      if (Files.isSymbolicLink(here)) {
        String next = Files.readSymbolicLink(here).toString();
        if (++links > MAX_LINKS || next.startsWith("/")) {
          throw files.rejected(
              FIELD,
              shown,
              "is a symlink to "
                  + Printable.quoted(target, 120)
                  + ", which leaves the modules tree (through "
                  + Printable.quoted(String.join("/", path), 120)
                  + ")");
        }
        path.removeLast();
        List<String> more = components(next);
        for (int i = more.size() - 1; i >= 0; i--) {
          todo.addFirst(more.get(i));
        }
      }
    }
    return target;
  }

  public Located location() {
    return at;
  }

  public long totalBytes() {
    return totalBytes;
  }

  public int entryCount() {
    return entries.size();
  }

  /** Top-level links left out ({@code build}, {@code source}). */
  public List<String> skipped() {
    return skipped;
  }

  /**
   * Copies the checked tree to {@code dst}, which must not exist. Directories keep their mode plus
   * {@code u+rwx}, so the service can always remove its copy; files and links are as found.
   */
  public void copyTo(Path dst, Progress progress, BooleanSupplier cancelled) throws IOException {
    long done = 0;
    long reported = 0;
    int n = 0;
    for (Entry e : entries) {
      if (cancelled.getAsBoolean()) {
        throw new CancellationException("the import was cancelled");
      }
      Path to = e.rel().isEmpty() ? dst : dst.resolve(e.rel());
      switch (e.kind()) {
        case DIRECTORY ->
            Files.createDirectory(
                to,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        case SYMLINK -> Files.createSymbolicLink(to, Path.of(e.target()));
        case FILE -> {
          done +=
              files.copyFile(
                  FIELD,
                  shown(at, e.rel()),
                  at.real().resolve(e.rel()),
                  to,
                  limits.maxBytes() - done,
                  cancelled);
          Files.setPosixFilePermissions(to, e.perms());
          Files.setLastModifiedTime(to, e.mtime());
        }
      }
      n++;
      if (done - reported >= REPORT_EVERY) {
        progress.copied(done, totalBytes, n, entries.size());
        reported = done;
      }
    }
    // Directory modes and times last, deepest first: filling a directory changes its mtime.
    for (Entry e : entries.reversed()) {
      if (e.kind() == Kind.DIRECTORY) {
        Path to = e.rel().isEmpty() ? dst : dst.resolve(e.rel());
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        perms.addAll(e.perms());
        perms.addAll(
            List.of(
                PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE));
        Files.setPosixFilePermissions(to, perms);
        Files.setLastModifiedTime(to, e.mtime());
      }
    }
    progress.copied(done, totalBytes, n, entries.size());
  }

  private static String rel(Path root, Path p) {
    return root.relativize(p).toString();
  }

  private static Path shown(Located at, String rel) {
    return rel.isEmpty() ? at.given() : at.given().resolve(rel);
  }

  private static String parent(String rel) {
    int i = rel.lastIndexOf('/');
    return i < 0 ? "" : rel.substring(0, i);
  }

  private static List<String> components(String p) {
    return Arrays.stream(p.split("/")).filter(c -> !c.isEmpty() && !c.equals(".")).toList();
  }
}
