package dev.banger.ext4;

import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sudoless ext4 toolkit (seed 000, docs/architecture.md §5): reads and edits ext4 images
 * offline through batched debugfs scripts, no mount and no root for regular image files.
 *
 * <p>An edit runs in one debugfs process: a probe (what exists, with which type), then a write
 * batch planned from it whose every line is expected to succeed. The type checks and the free-space
 * check run between the two, so a refused edit leaves the image untouched.
 */
public final class Ext4Toolkit {

  private static final Logger LOG = LoggerFactory.getLogger(Ext4Toolkit.class);

  /** Per-entry overhead assumed by the free-space check (an inode block and a directory block). */
  private static final long ENTRY_OVERHEAD = 8192;

  private final Debugfs debugfs;
  private final E2fsTools tools;
  private final BlockDevicePolicy policy;
  private final Path scratch;

  /**
   * @param scratch where host-side temporary files (file contents to write, dumps) are made, each
   *     operation in a private 0700 directory removed when it ends
   */
  public Ext4Toolkit(CommandRunner runner, BlockDevicePolicy policy, Path scratch) {
    this.debugfs = new Debugfs(runner);
    this.tools = new E2fsTools(runner);
    this.policy = policy;
    this.scratch = scratch;
  }

  public E2fsTools tools() {
    return tools;
  }

  /** Checks {@code path} holds an ext4 filesystem this process may edit. */
  public Ext4Image open(Path path) {
    return Ext4Image.open(path, policy);
  }

  /**
   * Which of {@code paths} exist, with their inode facts; missing paths are absent from the map.
   */
  public Map<GuestPath, InodeInfo> stat(Ext4Image image, Collection<GuestPath> paths) {
    List<GuestPath> order = List.copyOf(new LinkedHashSet<>(paths));
    if (order.isEmpty()) {
      return new LinkedHashMap<>();
    }
    List<String> script = order.stream().map(p -> "stat " + p.quoted()).toList();
    return DebugfsParsers.stats(
        order, debugfs.run(image, false, script).requireOpened(image).blocks());
  }

  /** Result of {@link #apply}. */
  public record EditResult(
      int filesWritten, int directoriesCreated, int directoriesReset, int parentsCreated) {}

  /** Applies {@code edit}: a probe, then one write batch, in one debugfs process. */
  public EditResult apply(Ext4Image image, Ext4Edit edit) {
    if (edit.isEmpty()) {
      return new EditResult(0, 0, 0, 0);
    }
    Set<GuestPath> probe = new LinkedHashSet<>();
    for (Ext4Edit.Dir d : edit.dirs()) {
      probe.addAll(d.path().ancestors());
      probe.add(d.path());
    }
    for (Ext4Edit.File f : edit.files()) {
      probe.addAll(f.path().ancestors());
      probe.add(f.path());
    }
    replayJournalIfNeeded(image);
    try (Debugfs.Session session = debugfs.session(image)) {
      Map<GuestPath, InodeInfo> existing = session.probe(List.copyOf(probe));
      Plan plan = plan(image, edit, probe, existing);
      Path tmp = privateScratch();
      try {
        session.write(plan.script(edit, existing, tmp), "editing");
        return plan.result;
      } catch (IOException e) {
        throw new Ext4Exception(
            Ext4Exception.Kind.TOOL_FAILED, "cannot stage files for " + image.path() + ": " + e, e);
      } finally {
        deleteTree(tmp);
      }
    }
  }

  /** What an edit will do, checked against what exists before anything is written. */
  private record Plan(Set<GuestPath> parents, List<Ext4Edit.Dir> dirs, EditResult result) {

    List<String> script(Ext4Edit edit, Map<GuestPath, InodeInfo> existing, Path tmp)
        throws IOException {
      List<String> script = new ArrayList<>();
      for (GuestPath p : parents) {
        script.add("mkdir " + p.quoted());
        setOwner(script, p.quoted(), 0, 0, FileType.DIRECTORY.bits() | 0755);
      }
      for (Ext4Edit.Dir d : dirs) {
        if (!existing.containsKey(d.path())) {
          script.add("mkdir " + d.path().quoted());
        }
        setOwner(
            script,
            d.path().quoted(),
            d.uid(),
            d.gid(),
            FileType.DIRECTORY.bits() | d.permissions());
      }
      int n = 0;
      for (Ext4Edit.File f : edit.files()) {
        Path host = tmp.resolve("f" + n++);
        Files.write(host, f.content());
        if (existing.containsKey(f.path())) {
          script.add("rm " + f.path().quoted());
        }
        script.add("write " + quoteHost(host) + " " + f.path().quoted());
        stampFile(script, host, f.path(), f.uid(), f.gid(), f.permissions());
      }
      if (edit.root() != null) {
        Ext4Edit.Root r = edit.root();
        setOwner(script, "<2>", r.uid(), r.gid(), FileType.DIRECTORY.bits() | r.permissions());
      }
      return script;
    }
  }

  /**
   * debugfs {@code write} takes the host file's permission bits, and leaves the new inode either
   * with the host file's owner or with 0:0 depending on the e2fsprogs version. So the staged file
   * is given the wanted permissions first, and {@code sif} lines are emitted only for what that
   * cannot carry: setuid/setgid/sticky bits, and an owner that differs from the staged file's (when
   * both readings of {@code write} agree, i.e. the staged file is already owned as wanted, the line
   * is redundant). For root-owned guest config written by root that is one line per file instead of
   * four.
   */
  static void stampFile(
      List<String> script, Path host, GuestPath path, long uid, long gid, int permissions)
      throws IOException {
    boolean plainPerms = (permissions & ~0777) == 0;
    if (plainPerms) {
      Files.setPosixFilePermissions(host, posix(permissions));
    }
    int hostUid = (Integer) Files.getAttribute(host, "unix:uid");
    int hostGid = (Integer) Files.getAttribute(host, "unix:gid");
    String target = path.quoted();
    if (uid != 0 || hostUid != 0) {
      script.add("sif " + target + " uid " + uid);
    }
    if (gid != 0 || hostGid != 0) {
      script.add("sif " + target + " gid " + gid);
    }
    if (!plainPerms) {
      script.add(
          "sif "
              + target
              + " mode 0"
              + Integer.toOctalString(FileType.REGULAR.bits() | permissions));
    }
  }

  private static Set<PosixFilePermission> posix(int bits) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 9; i++) {
      b.append((bits & (1 << (8 - i))) != 0 ? "rwxrwxrwx".charAt(i) : '-');
    }
    return PosixFilePermissions.fromString(b.toString());
  }

  private static Plan plan(
      Ext4Image image, Ext4Edit edit, Set<GuestPath> probe, Map<GuestPath, InodeInfo> existing) {
    Set<GuestPath> targets = new java.util.HashSet<>();
    edit.dirs().forEach(d -> targets.add(d.path()));
    edit.files().forEach(f -> targets.add(f.path()));
    // Parents the caller did not list: made root:root 0755, shallowest first.
    Set<GuestPath> parents =
        new TreeSet<>(Comparator.comparingInt(GuestPath::depth).thenComparing(p -> p));
    for (GuestPath p : probe) {
      if (targets.contains(p)) {
        continue;
      }
      InodeInfo info = existing.get(p);
      if (info == null) {
        parents.add(p);
      } else if (info.type() != FileType.DIRECTORY && info.type() != FileType.SYMLINK) {
        throw wrongType(image, p, info, "a directory");
      }
    }
    for (Ext4Edit.Dir d : edit.dirs()) {
      InodeInfo info = existing.get(d.path());
      if (info != null && !info.isDirectory()) {
        throw wrongType(image, d.path(), info, "a directory");
      }
    }
    long bytes = 0;
    for (Ext4Edit.File f : edit.files()) {
      InodeInfo info = existing.get(f.path());
      if (info != null && info.isDirectory()) {
        throw wrongType(image, f.path(), info, "a file");
      }
      bytes += f.content().length + ENTRY_OVERHEAD;
    }
    bytes += (parents.size() + edit.dirs().size()) * ENTRY_OVERHEAD;
    if (bytes > image.superblock().freeBytes()) {
      throw new Ext4Exception(
          Ext4Exception.Kind.OUT_OF_RANGE,
          image.path()
              + " has "
              + image.superblock().freeBytes()
              + " bytes free; this edit needs about "
              + bytes);
    }
    List<Ext4Edit.Dir> dirs = new ArrayList<>(edit.dirs());
    dirs.sort(Comparator.comparingInt(d -> d.path().depth()));
    int created = (int) dirs.stream().filter(d -> !existing.containsKey(d.path())).count();
    return new Plan(
        parents,
        dirs,
        new EditResult(edit.files().size(), created, dirs.size() - created, parents.size()));
  }

  /**
   * Writes a whole tree (see {@link Ext4Tree}) at {@code root}, which must not exist yet; its
   * missing parents are made root:root 0755. Everything is checked first (names, the parents on the
   * image, free space and inodes), then written by one debugfs process.
   */
  public Ext4Tree.Result writeTree(Ext4Image image, GuestPath root, List<Ext4Tree.Entry> entries) {
    Ext4Tree.Plan plan = Ext4Tree.plan(root, entries);
    replayJournalIfNeeded(image);
    return Ext4Tree.write(debugfs, image.reread(), plan, ENTRY_OVERHEAD);
  }

  /**
   * Stamps owner and full mode on existing inodes in one batch (no probe: modes carry their type).
   */
  public void setOwnership(Ext4Image image, List<Ownership> entries) {
    setOwnership(image, List.of(), entries);
  }

  /**
   * Creates {@code nodes} (their parents must exist) and then stamps owner and full mode on {@code
   * entries}, all in one debugfs process. Give each node an {@link Ownership} too: mknod leaves it
   * root-owned with no permissions.
   */
  public void setOwnership(Ext4Image image, List<SpecialNode> nodes, List<Ownership> entries) {
    if (entries.isEmpty() && nodes.isEmpty()) {
      return;
    }
    replayJournalIfNeeded(image);
    List<String> script = new ArrayList<>(nodes.size() + entries.size() * 3);
    for (SpecialNode n : nodes) {
      script.addAll(n.mknodCommands());
    }
    if (!nodes.isEmpty()) {
      script.add("cd /");
    }
    for (Ownership o : entries) {
      setOwner(script, o.path().isRoot() ? "<2>" : o.path().quoted(), o.uid(), o.gid(), o.mode());
    }
    debugfs
        .run(image, true, script)
        .requireClean(
            image,
            "making "
                + nodes.size()
                + " device nodes and setting ownership of "
                + entries.size()
                + " inodes");
  }

  /** A file's inode facts and its bytes. */
  public record FileRead(InodeInfo info, byte[] content) {}

  /** Reads a regular file, refusing ones larger than {@code maxBytes}. */
  public byte[] readFile(Ext4Image image, GuestPath path, long maxBytes) {
    return read(image, path, maxBytes).content();
  }

  /** Reads a regular file with its inode facts, refusing ones larger than {@code maxBytes}. */
  public FileRead read(Ext4Image image, GuestPath path, long maxBytes) {
    InodeInfo info = require(image, path);
    if (info.type() != FileType.REGULAR) {
      throw wrongType(image, path, info, "a regular file");
    }
    if (info.size() > maxBytes) {
      throw new Ext4Exception(
          Ext4Exception.Kind.OUT_OF_RANGE,
          path
              + " in "
              + image.path()
              + " is "
              + info.size()
              + " bytes, over the "
              + maxBytes
              + " byte limit");
    }
    Path tmp = privateScratch();
    try {
      Path out = tmp.resolve("read");
      debugfs
          .run(image, false, List.of("dump " + path.quoted() + " " + quoteHost(out)))
          .requireClean(image, "reading " + path);
      return new FileRead(info, Files.readAllBytes(out));
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED, "cannot read dump of " + path + ": " + e, e);
    } finally {
      deleteTree(tmp);
    }
  }

  /** Lists one directory (stat and ls in one batch). */
  public List<DirEntry> list(Ext4Image image, GuestPath dir) {
    return listAll(image, List.of(dir)).get(dir);
  }

  /** Lists several directories in one batch; every one must exist and be a directory. */
  public Map<GuestPath, List<DirEntry>> listAll(Ext4Image image, Collection<GuestPath> dirs) {
    List<GuestPath> order = List.copyOf(new LinkedHashSet<>(dirs));
    List<String> script = new ArrayList<>();
    for (GuestPath d : order) {
      script.add("stat " + d.quoted());
      script.add("ls -p " + d.quoted());
    }
    Debugfs.Transcript t = debugfs.run(image, false, script).requireOpened(image);
    Map<GuestPath, List<DirEntry>> out = new LinkedHashMap<>();
    for (int i = 0; i < order.size(); i++) {
      GuestPath d = order.get(i);
      InodeInfo info = DebugfsParsers.stat(d, t.block(2 * i));
      if (info == null) {
        throw notFound(image, d);
      }
      if (!info.isDirectory()) {
        throw wrongType(image, d, info, "a directory");
      }
      out.put(d, DebugfsParsers.list(d, t.block(2 * i + 1)));
    }
    return out;
  }

  /**
   * Extracts a directory subtree to {@code hostDir} with {@code rdump}: it lands as {@code
   * hostDir/<name>}, modes kept (owners too when running as root); symlinks are recreated as links,
   * device nodes and FIFOs are skipped by debugfs.
   */
  public Path extract(Ext4Image image, GuestPath dir, Path hostDir) {
    InodeInfo info = require(image, dir);
    if (!info.isDirectory()) {
      throw wrongType(image, dir, info, "a directory");
    }
    debugfs
        .run(image, false, List.of("rdump " + dir.quoted() + " " + quoteHost(hostDir)))
        .requireClean(image, "extracting " + dir);
    return hostDir.resolve(dir.isRoot() ? "" : dir.name());
  }

  /**
   * Makes an image a guest may have left mid-write fit for offline reads and edits: the journal
   * replayed and the filesystem repaired (see below), before anything reads it with debugfs, which
   * refuses an image whose bitmap checksums are stale. Only for images no guest is using.
   *
   * @return the image with its superblock read again (unchanged when nothing needed doing)
   */
  public Ext4Image recoverForEdit(Ext4Image image) {
    if (!image.superblock().needsRecovery()) {
      return image;
    }
    replayJournalIfNeeded(image);
    return image.reread();
  }

  /**
   * docs/architecture.md §8: debugfs writes on an unreplayed journal are lost at the next replay. A
   * journal that needs recovery also means the guest did not shut down cleanly, which can leave
   * block bitmap checksums stale (debugfs then refuses the image: "Block bitmap checksum does not
   * match"), so the replay is followed by {@code e2fsck -fp}.
   */
  private void replayJournalIfNeeded(Ext4Image image) {
    if (image.superblock().needsRecovery()) {
      LOG.info("replaying the journal of {} and preening it before editing it", image.path());
      tools.replayJournal(image.path());
      tools.checkAndRepair(image.path());
    }
  }

  private InodeInfo require(Ext4Image image, GuestPath path) {
    InodeInfo info = stat(image, List.of(path)).get(path);
    if (info == null) {
      throw notFound(image, path);
    }
    return info;
  }

  static void setOwner(List<String> script, String target, long uid, long gid, int fullMode) {
    script.add("sif " + target + " uid " + uid);
    script.add("sif " + target + " gid " + gid);
    script.add("sif " + target + " mode 0" + Integer.toOctalString(fullMode));
  }

  /** Host paths go through the same quoting rules as guest paths. */
  static String quoteHost(Path host) {
    return GuestPath.of(host.toAbsolutePath().toString()).quoted();
  }

  private Path privateScratch() {
    try {
      Files.createDirectories(scratch);
      return Files.createTempDirectory(scratch, "ext4-");
    } catch (IOException e) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED, "cannot make a scratch directory in " + scratch, e);
    }
  }

  private static void deleteTree(Path dir) {
    try {
      DirectoryTrees.delete(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }

  private static Ext4Exception notFound(Ext4Image image, GuestPath p) {
    return new Ext4Exception(
        Ext4Exception.Kind.NOT_FOUND, p + " does not exist in " + image.path());
  }

  static Ext4Exception wrongType(Ext4Image image, GuestPath p, InodeInfo info, String wanted) {
    return new Ext4Exception(
        Ext4Exception.Kind.WRONG_TYPE,
        p
            + " in "
            + image.path()
            + " is a "
            + info.type().name().toLowerCase()
            + ", not "
            + wanted);
  }
}
