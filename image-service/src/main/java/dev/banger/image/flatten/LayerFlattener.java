package dev.banger.image.flatten;

import dev.banger.ext4.FileType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Applies image layers, oldest first, into a staging directory and keeps what each path's tar
 * header said about it (docs/image-service.md, "Flatten rules"). Not thread-safe: one pull.
 */
public final class LayerFlattener {

  static final String WHITEOUT = ".wh.";
  static final String OPAQUE = ".wh..wh..opq";

  private final StagingTree tree;
  private final FlattenLimits limits;
  private final long stagingUid;
  private final long stagingGid;

  /**
   * Every path in the tree (relative, "" = root) with its layer metadata; sorted so subtrees are
   * ranges.
   */
  private final TreeMap<String, EntryMeta> meta = new TreeMap<>();

  /** Paths the current layer wrote: whiteouts and opaque markers spare them. */
  private final Set<String> touched = new HashSet<>();

  private final StagingTree.Listener listener =
      new StagingTree.Listener() {
        @Override
        public void created(String rel) {
          meta.put(rel, EntryMeta.implicitDirectory(0));
          touched.add(rel);
        }

        @Override
        public boolean isSpecial(String rel) {
          EntryMeta m = meta.get(rel);
          return m != null && m.isSpecial();
        }
      };
  private long entries;
  private long contentBytes;
  private int xattrsDropped;

  /**
   * @param root an empty directory that becomes the image root
   * @param stagingUid owner the staged files get on the host (the service's own uid)
   */
  public LayerFlattener(Path root, FlattenLimits limits, long stagingUid, long stagingGid) {
    this(root, limits, stagingUid, stagingGid, () -> false, SpaceGuard.none());
  }

  /**
   * @param cancelled checked before every entry and every 64 KiB a file's content is read, so a
   *     cancel stops a layer's writing at once, not at its end
   */
  public LayerFlattener(
      Path root,
      FlattenLimits limits,
      long stagingUid,
      long stagingGid,
      java.util.function.BooleanSupplier cancelled,
      SpaceGuard space) {
    this.space = space;
    this.tree = new StagingTree(root);
    this.limits = limits;
    this.stagingUid = stagingUid;
    this.stagingGid = stagingGid;
    this.cancelled = cancelled;
    meta.put("", EntryMeta.implicitDirectory(0));
  }

  static final String CANCELLED = "the pull was cancelled";

  private final java.util.function.BooleanSupplier cancelled;
  private final SpaceGuard space;

  /**
   * Applies one uncompressed tar layer on top of what is there; a refusal names {@code layerName}.
   */
  public void apply(InputStream tarStream, String layerName) throws IOException {
    touched.clear();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream, "UTF-8")) {
      TarArchiveEntry e;
      while ((e = nextEntry(tar)) != null) {
        dev.banger.kit.ops.Cancellation.check(cancelled, CANCELLED);
        space.entry(e.getName());
        if (++entries > limits.maxEntries()) {
          throw new LayerRejectedException(
              e.getName(), "the image has more than " + limits.maxEntries() + " entries");
        }
        applyEntry(e, tar);
      }
    } catch (UncheckedIOException u) {
      throw u.getCause();
    } catch (LayerRejectedException e) {
      throw e.inLayer(layerName);
    }
  }

  /** A header commons-compress cannot parse is the layer's fault, not the disk's: say so. */
  private TarArchiveEntry nextEntry(TarArchiveInputStream tar) {
    try {
      return tar.getNextEntry();
    } catch (IOException | IllegalArgumentException e) {
      // The parser's message quotes header bytes (a PAX value, say): as hostile as a name.
      throw new LayerRejectedException(
          "(next header)",
          "the layer's tar headers are malformed: "
              + LayerRejectedException.printable(String.valueOf(e.getMessage())));
    }
  }

  private void applyEntry(TarArchiveEntry e, InputStream data) throws IOException {
    String name = e.getName();
    List<String> comps = EntryNames.components(name);
    if (comps.isEmpty()) {
      if (!e.isDirectory()) {
        throw new LayerRejectedException(name, "the image root can only be a directory");
      }
      meta.put("", headerMeta(e, FileType.DIRECTORY));
      return;
    }
    String base = comps.getLast();
    List<String> parentComps = comps.subList(0, comps.size() - 1);
    if (base.startsWith(WHITEOUT)) {
      whiteout(name, parentComps, base);
      return;
    }
    String parent = tree.resolveDirectory(name, parentComps, true, listener);
    String rel = StagingTree.child(parent, base);
    Path host = tree.host(rel);
    FileType type = typeOf(e);
    EntryMeta m = headerMeta(e, type);
    if (e.isLink()) {
      m = hardlink(e, rel, host);
    } else {
      replace(rel, host, type == FileType.DIRECTORY);
      switch (type) {
        case DIRECTORY -> {
          if (StagingTree.lstat(host) == null) {
            tree.mkdir(host);
          }
        }
        case REGULAR -> writeFile(e, data, host, m);
        case SYMLINK -> symlink(e, host);
        default -> {} // devices and FIFOs: metadata only, made by the ownership pass
      }
    }
    if (e.getExtraPaxHeaders().keySet().stream().anyMatch(k -> k.startsWith("SCHILY.xattr."))) {
      xattrsDropped++;
    }
    meta.put(rel, m);
    touched.add(rel);
  }

  private static FileType typeOf(TarArchiveEntry e) {
    byte flag = e.getLinkFlag();
    boolean known =
        flag == TarConstants.LF_OLDNORM
            || (flag >= TarConstants.LF_NORMAL && flag <= TarConstants.LF_CONTIG)
            || flag == TarConstants.LF_GNUTYPE_SPARSE;
    if (!known) {
      throw new LayerRejectedException(
          e.getName(), "tar entry type '" + flagText(flag) + "' is not supported");
    }
    if (e.isDirectory()) {
      return FileType.DIRECTORY;
    } else if (e.isSymbolicLink()) {
      return FileType.SYMLINK;
    } else if (e.isCharacterDevice()) {
      return FileType.CHAR_DEVICE;
    } else if (e.isBlockDevice()) {
      return FileType.BLOCK_DEVICE;
    } else if (e.isFIFO()) {
      return FileType.FIFO;
    } else if (e.isFile() || e.isLink()) {
      return FileType.REGULAR;
    }
    throw new LayerRejectedException(
        e.getName(), "tar entry type '" + flagText(flag) + "' is not supported");
  }

  /** The type flag is a raw header byte, a control character as likely as a letter. */
  private static String flagText(byte flag) {
    return LayerRejectedException.printable(String.valueOf((char) (flag & 0xff)));
  }

  private static EntryMeta headerMeta(TarArchiveEntry e, FileType type) {
    long uid = e.getLongUserId();
    long gid = e.getLongGroupId();
    if (uid < 0 || uid > 0xFFFF_FFFEL || gid < 0 || gid > 0xFFFF_FFFEL) {
      throw new LayerRejectedException(
          e.getName(), "owner " + uid + ":" + gid + " is out of range");
    }
    long mtime =
        e.getLastModifiedTime() == null
            ? 0
            : Math.max(0, e.getLastModifiedTime().toMillis() / 1000);
    return new EntryMeta(type, uid, gid, e.getMode(), mtime, e.getDevMajor(), e.getDevMinor());
  }

  /** Clears the slot an entry is about to take, unless a directory lands on a directory. */
  private void replace(String rel, Path host, boolean isDir) {
    BasicFileAttributes a = StagingTree.lstat(host);
    if (a != null && !(isDir && a.isDirectory())) {
      tree.remove(rel);
      dropMeta(rel);
    } else if (a == null && meta.containsKey(rel)) {
      dropMeta(rel); // a device node recorded as metadata only
    }
  }

  private void writeFile(TarArchiveEntry e, InputStream data, Path host, EntryMeta m)
      throws IOException {
    long size = e.getRealSize();
    if (size > limits.maxEntryBytes()) {
      throw new LayerRejectedException(
          e.getName(), "the file is " + size + " bytes; the limit is " + limits.maxEntryBytes());
    }
    if (contentBytes + size > limits.maxTotalBytes()) {
      throw new LayerRejectedException(
          e.getName(), "the image's files pass the limit of " + limits.maxTotalBytes() + " bytes");
    }
    long[] seen = {0};
    tree.writeFile(
        host,
        data,
        size,
        n -> {
          dev.banger.kit.ops.Cancellation.check(cancelled, CANCELLED);
          space.wrote(n - seen[0], e.getName());
          seen[0] = n;
          return n > size;
        });
    contentBytes += size;
    StagingTree.setPermissions(host, PosixFilePermissions.fromString(permString(stagedMode(m))));
    StagingTree.setMtime(host, m.mtime());
  }

  private void symlink(TarArchiveEntry e, Path host) {
    String target = e.getLinkName();
    if (target.isEmpty() || target.indexOf('\0') >= 0 || target.length() > 4095) {
      throw new LayerRejectedException(
          e.getName(), "the symlink target is empty, too long or holds a NUL");
    }
    // Stored verbatim and never followed here; a later entry through it is resolved inside the
    // root.
    tree.symlink(host, target);
  }

  private EntryMeta hardlink(TarArchiveEntry e, String rel, Path host) {
    List<String> t;
    try {
      t = EntryNames.components(e.getLinkName());
    } catch (LayerRejectedException bad) {
      // The refused entry is the link; its target is what broke the rule.
      throw new LayerRejectedException(
          e.getName(),
          "hard link target \""
              + LayerRejectedException.printable(e.getLinkName())
              + "\": "
              + bad.reason());
    }
    if (t.isEmpty()) {
      throw new LayerRejectedException(e.getName(), "a hard link to the image root is not allowed");
    }
    String tParent =
        tree.resolveDirectory(e.getName(), t.subList(0, t.size() - 1), false, listener);
    String target = tParent == null ? null : StagingTree.child(tParent, t.getLast());
    BasicFileAttributes a = target == null ? null : StagingTree.lstat(tree.host(target));
    EntryMeta targetMeta = target == null ? null : meta.get(target);
    if (target == null || targetMeta == null) {
      throw new LayerRejectedException(
          e.getName(),
          "hard link target \""
              + LayerRejectedException.printable(e.getLinkName())
              + "\" does not exist in the image");
    }
    if (target.equals(rel)) {
      return targetMeta; // a link to itself changes nothing
    }
    if (a != null && a.isDirectory()) {
      throw new LayerRejectedException(e.getName(), "hard links to directories are not allowed");
    }
    replace(rel, host, false);
    if (a != null) {
      tree.hardlink(host, tree.host(target));
    }
    return targetMeta;
  }

  private void whiteout(String name, List<String> parentComps, String base) {
    String parent = tree.resolveDirectory(name, parentComps, false, listener);
    if (base.equals(OPAQUE)) {
      if (parent != null) {
        opaque(parent);
      }
      return;
    }
    if (base.startsWith(WHITEOUT + WHITEOUT)) {
      return; // aufs bookkeeping (.wh..wh.plnk and friends), not a whiteout
    }
    String victim = base.substring(WHITEOUT.length());
    if (victim.isEmpty() || victim.equals(".") || victim.equals("..")) {
      throw new LayerRejectedException(name, "a whiteout must name one entry of its directory");
    }
    if (parent == null) {
      return; // nothing below to hide
    }
    String rel = StagingTree.child(parent, victim);
    if (touched.contains(rel)) {
      return; // whiteouts hide lower layers only
    }
    if (StagingTree.lstat(tree.host(rel)) != null) {
      tree.remove(rel);
    }
    dropMeta(rel);
  }

  /** Hides everything lower layers put under {@code dir}; what this layer wrote there stays. */
  private void opaque(String dir) {
    Set<String> keep = new HashSet<>();
    String prefix = dir.isEmpty() ? "" : dir + "/";
    for (String t : touched) {
      if (t.startsWith(prefix)) {
        for (String p = t; p.length() > dir.length(); p = parentOf(p)) {
          keep.add(p);
        }
      }
    }
    List<String> victims = new ArrayList<>();
    for (String rel : subtree(dir).keySet()) {
      if (!rel.equals(dir) && !keep.contains(rel) && !underAny(rel, victims)) {
        victims.add(rel);
      }
    }
    for (String v : victims) {
      if (StagingTree.lstat(tree.host(v)) != null) {
        tree.remove(v);
      }
      dropMeta(v);
    }
  }

  private static boolean underAny(String rel, List<String> victims) {
    for (String p = parentOf(rel); !p.isEmpty(); p = parentOf(p)) {
      if (Collections.binarySearch(victims, p) >= 0) {
        return true;
      }
    }
    return false;
  }

  static String parentOf(String rel) {
    int i = rel.lastIndexOf('/');
    return i < 0 ? "" : rel.substring(0, i);
  }

  /** {@code rel} and every path below it. */
  private NavigableMap<String, EntryMeta> subtree(String rel) {
    if (rel.isEmpty()) {
      return meta;
    }
    // '/' + 1 == '0': the range [rel + "/", rel + "0") holds exactly the descendants.
    TreeMap<String, EntryMeta> out = new TreeMap<>(meta.subMap(rel + "/", rel + "0"));
    if (meta.containsKey(rel)) {
      out.put(rel, meta.get(rel));
    }
    return out;
  }

  private void dropMeta(String rel) {
    meta.remove(rel);
    meta.subMap(rel + "/", rel + "0").clear();
  }

  /**
   * Mode a file is staged with: the layer's permission bits, but always readable and writable by
   * the service so it can write the file and mkfs can read it. The ownership pass fixes the rest.
   */
  static int stagedMode(EntryMeta m) {
    return m.type() == FileType.DIRECTORY ? 0755 : (m.perm() & 0777) | 0600;
  }

  private static String permString(int mode) {
    String s = "rwxrwxrwx";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 9; i++) {
      b.append((mode & (1 << (8 - i))) != 0 ? s.charAt(i) : '-');
    }
    return b.toString();
  }

  /** Finishes: directory times set, and the metadata of everything in the tree. */
  public FlattenResult finish() {
    for (Map.Entry<String, EntryMeta> en : meta.descendingMap().entrySet()) {
      if (en.getValue().type() == FileType.DIRECTORY && en.getValue().mtime() > 0) {
        StagingTree.setMtime(tree.host(en.getKey()), en.getValue().mtime());
      }
    }
    return new FlattenResult(
        tree.root(),
        Collections.unmodifiableNavigableMap(new TreeMap<>(meta)),
        contentBytes,
        entries,
        xattrsDropped,
        stagingUid,
        stagingGid);
  }
}
