package dev.banger.ext4;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A whole directory tree for {@link Ext4Toolkit#writeTree}: what {@code tar -x -p} as root would
 * make of an archive, written into an image offline instead. Every entry is owned by root (0:0);
 * permissions are the low nine bits (setuid, setgid and sticky bits are not carried: the trees
 * written are checkouts, and a hostile archive must not plant a setuid file); times are whole
 * seconds. Entries come in archive order; a parent an archive does not list is made as tar makes it
 * (0755). Refused, before anything is written: a name debugfs cannot carry ({@link GuestPath}), the
 * same name twice, an entry below a file or a link (a link is never followed to put a file
 * somewhere else), a link target debugfs cannot carry, a time outside ext4's range.
 */
public final class Ext4Tree {

  /** ext4 stores seconds in 32 bits plus two epoch bits: up to the year 2446. */
  static final long MAX_MTIME = (1L << 34) - 1;

  /**
   * One entry.
   *
   * @param relative its path below the tree's root, {@code /}-separated, no leading {@code /}
   * @param staged for a regular file, the host file holding its bytes (written by the caller,
   *     private to it); null otherwise
   */
  public record Entry(
      String relative,
      FileType type,
      int permissions,
      long mtimeSeconds,
      String linkTarget,
      Path staged,
      long size) {

    public static Entry directory(String relative, int permissions, long mtime) {
      return new Entry(relative, FileType.DIRECTORY, permissions, mtime, null, null, 0);
    }

    public static Entry file(String relative, int permissions, long mtime, Path staged, long size) {
      return new Entry(relative, FileType.REGULAR, permissions, mtime, null, staged, size);
    }

    public static Entry symlink(String relative, String target, long mtime) {
      return new Entry(relative, FileType.SYMLINK, 0777, mtime, target, null, 0);
    }
  }

  /** What a write made. */
  public record Result(int directories, int files, int symlinks, long bytes, int parentsCreated) {}

  private Ext4Tree() {}

  /**
   * The entries resolved below {@code root} and checked as a whole; throws on the first problem.
   */
  record Plan(GuestPath root, List<GuestPath> paths, List<Entry> entries, Result result) {}

  static Plan plan(GuestPath root, List<Entry> entries) {
    Map<GuestPath, FileType> seen = new HashMap<>();
    seen.put(root, FileType.DIRECTORY);
    List<GuestPath> paths = new ArrayList<>();
    Set<GuestPath> implicit = new HashSet<>();
    Map<GuestPath, Entry> listedLate = new HashMap<>();
    int dirs = 0;
    int files = 0;
    int links = 0;
    long bytes = 0;
    for (Entry e : entries) {
      if (e.relative().isEmpty() || e.relative().startsWith("/")) {
        throw invalid("entry " + GuestPath.printable(e.relative()) + " is not a relative path");
      }
      GuestPath p = GuestPath.of(root + "/" + e.relative());
      if (e.mtimeSeconds() < 0 || e.mtimeSeconds() > MAX_MTIME) {
        throw invalid("entry " + p + " has a time (" + e.mtimeSeconds() + ") outside ext4's range");
      }
      if (e.type() == FileType.DIRECTORY && implicit.contains(p) && !listedLate.containsKey(p)) {
        // A directory listed after its contents (legal in tar): it keeps its place, gets its mode
        // and time.
        listedLate.put(p, e);
        continue;
      }
      if (seen.containsKey(p)) {
        throw invalid("entry " + GuestPath.printable(e.relative()) + " appears twice");
      }
      // Parents: listed directories, or made here as tar makes them; never a file or a link.
      List<GuestPath> missing = new ArrayList<>();
      for (GuestPath a = p.parent(); !a.equals(root); a = a.parent()) {
        FileType t = seen.get(a);
        if (t == null) {
          missing.addFirst(a);
        } else if (t != FileType.DIRECTORY) {
          throw invalid(
              "entry "
                  + GuestPath.printable(e.relative())
                  + " is below "
                  + a
                  + ", which is a "
                  + t.name().toLowerCase()
                  + ", not a directory");
        } else {
          break;
        }
      }
      for (GuestPath a : missing) {
        seen.put(a, FileType.DIRECTORY);
        implicit.add(a);
        paths.add(a);
      }
      switch (e.type()) {
        case DIRECTORY -> dirs++;
        case REGULAR -> {
          if (e.staged() == null || e.size() < 0) {
            throw invalid("entry " + p + " is a file without its bytes");
          }
          files++;
          bytes += e.size();
        }
        case SYMLINK -> {
          String why = linkTargetProblem(e.linkTarget());
          if (why != null) {
            throw invalid("link " + p + " " + why);
          }
          links++;
        }
        default ->
            throw invalid(
                "entry "
                    + p
                    + " is a "
                    + e.type().name().toLowerCase()
                    + "; only directories, files and links are written");
      }
      seen.put(p, e.type());
      paths.add(p);
    }
    // The implicit parents become directory entries of their own, in the order they were met.
    List<Entry> all = new ArrayList<>();
    int k = 0;
    for (GuestPath p : paths) {
      if (implicit.contains(p)) {
        all.add(
            listedLate.getOrDefault(
                p, Entry.directory(p.toString().substring(root.toString().length() + 1), 0755, 0)));
      } else {
        all.add(entries.get(k++));
      }
    }
    return new Plan(root, paths, all, new Result(dirs + implicit.size(), files, links, bytes, 0));
  }

  /**
   * Checks the image against a plan (room, the root absent, its parents), then writes it in one
   * session.
   */
  static Result write(Debugfs debugfs, Ext4Image image, Plan plan, long entryOverhead) {
    GuestPath root = plan.root();
    long bytes = plan.result().bytes() + (plan.paths().size() + 1L) * entryOverhead;
    Superblock sb = image.superblock();
    if (bytes > sb.freeBytes() || plan.paths().size() + 1L > sb.freeInodes()) {
      throw new Ext4Exception(
          Ext4Exception.Kind.OUT_OF_RANGE,
          image.path()
              + " has "
              + sb.freeBytes()
              + " bytes and "
              + sb.freeInodes()
              + " inodes free; this tree needs about "
              + bytes
              + " bytes and "
              + (plan.paths().size() + 1)
              + " inodes");
    }
    List<GuestPath> probe = new ArrayList<>(root.ancestors());
    probe.add(root);
    try (Debugfs.Session session = debugfs.session(image)) {
      Map<GuestPath, InodeInfo> existing = session.probe(probe);
      if (existing.containsKey(root)) {
        throw new Ext4Exception(
            Ext4Exception.Kind.WRONG_TYPE,
            root
                + " already exists in "
                + image.path()
                + "; a tree is only written where there is nothing yet");
      }
      List<String> script = new ArrayList<>();
      int parents = 0;
      for (GuestPath a : root.ancestors()) {
        InodeInfo info = existing.get(a);
        if (info == null) {
          script.add("mkdir " + a.quoted());
          Ext4Toolkit.setOwner(script, a.quoted(), 0, 0, FileType.DIRECTORY.bits() | 0755);
          parents++;
        } else if (!info.isDirectory()) {
          throw Ext4Toolkit.wrongType(image, a, info, "a directory");
        }
      }
      script.addAll(script(plan));
      session.write(script, "writing the tree " + root);
      Result r = plan.result();
      return new Result(r.directories(), r.files(), r.symlinks(), r.bytes(), parents);
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED,
          "cannot stage the tree for " + image.path() + ": " + e,
          e);
    }
  }

  /**
   * The debugfs lines for a plan. Files are written from their staged copies, which get the entry's
   * permissions first (debugfs {@code write} takes the host file's); owners are stamped only when
   * the staged file's is not root's. Directory times come last: nothing written into a directory
   * afterwards can move them.
   */
  static List<String> script(Plan plan) throws IOException {
    List<String> script = new ArrayList<>();
    List<String> dirTimes = new ArrayList<>();
    script.add("mkdir " + plan.root().quoted());
    script.add("sif " + plan.root().quoted() + " mode 040755");
    for (int i = 0; i < plan.paths().size(); i++) {
      GuestPath p = plan.paths().get(i);
      Entry e = plan.entries().get(i);
      String q = p.quoted();
      int perms = e.permissions() & 0777;
      switch (e.type()) {
        case DIRECTORY -> {
          script.add("mkdir " + q);
          script.add(
              "sif " + q + " mode 0" + Integer.toOctalString(FileType.DIRECTORY.bits() | perms));
          if (e.mtimeSeconds() != 0) {
            dirTimes.add("sif " + q + " mtime @" + e.mtimeSeconds());
          }
        }
        case REGULAR -> {
          script.add("write " + Ext4Toolkit.quoteHost(e.staged()) + " " + q);
          Ext4Toolkit.stampFile(script, e.staged(), p, 0, 0, perms);
          script.add("sif " + q + " mtime @" + e.mtimeSeconds());
        }
        case SYMLINK -> {
          script.add("symlink " + q + " " + quoteLinkTarget(e.linkTarget()));
          script.add("sif " + q + " mtime @" + e.mtimeSeconds());
        }
        default -> throw new IllegalStateException("planned entry of type " + e.type());
      }
    }
    script.addAll(dirTimes.reversed());
    return script;
  }

  /**
   * Why debugfs cannot be given {@code target} as a link's target, or null. The same rules as a
   * guest path's characters (no {@code "}, no control characters), but relative targets are links'
   * normal case, and a target is not resolved: it is the link's bytes.
   */
  static String linkTargetProblem(String target) {
    if (target == null || target.isEmpty()) {
      return "has an empty target";
    }
    if (target.getBytes(StandardCharsets.UTF_8).length > GuestPath.MAX_PATH_BYTES) {
      return "has a target longer than " + GuestPath.MAX_PATH_BYTES + " bytes";
    }
    for (int i = 0; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '"') {
        return "has a target with "
            + (c == '"' ? "\"" : String.format("control character U+%04X", (int) c))
            + " at index "
            + i
            + ", which debugfs cannot carry";
      }
    }
    return null;
  }

  static String quoteLinkTarget(String target) {
    return '"' + target + '"';
  }

  /**
   * Why debugfs cannot carry the name of entry {@code relative} below {@code root}, or null (else:
   * copy it another way).
   */
  public static String problem(GuestPath root, String relative) {
    return GuestPath.problem(root + "/" + relative);
  }

  private static Ext4Exception invalid(String message) {
    return new Ext4Exception(Ext4Exception.Kind.INVALID_ARGUMENT, message);
  }
}
