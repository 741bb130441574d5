package dev.banger.ext4;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of changes to apply to an image in one debugfs batch: directories to ensure (created when
 * missing, owner and mode reset either way), files to write (replacing any file or link already
 * there), and optionally the fs root inode {@code <2>}. Every value is validated as it is added, so
 * a bad request fails before anything touches the image.
 */
public final class Ext4Edit {

  /** The largest id ext4 stores; {@code 2^32-1} is "no owner" to the kernel. */
  public static final long MAX_ID = 0xFFFF_FFFEL;

  public record Dir(GuestPath path, long uid, long gid, int permissions) {}

  public record File(GuestPath path, byte[] content, long uid, long gid, int permissions) {}

  public record Root(long uid, long gid, int permissions) {}

  private final List<Dir> dirs = new ArrayList<>();
  private final List<File> files = new ArrayList<>();
  private final Set<GuestPath> seen = new HashSet<>();
  private Root root;

  public Ext4Edit mkdir(String path, long uid, long gid, int permissions) {
    GuestPath p = claim(path);
    if (p.isRoot()) {
      throw invalid("guest path \"/\" is the filesystem root; set it with rootInode()");
    }
    dirs.add(new Dir(p, id("uid", uid, p), id("gid", gid, p), perms(permissions, p)));
    return this;
  }

  public Ext4Edit write(String path, byte[] content, long uid, long gid, int permissions) {
    GuestPath p = claim(path);
    if (p.isRoot()) {
      throw invalid("guest path \"/\" is a directory, not a file");
    }
    files.add(
        new File(p, content.clone(), id("uid", uid, p), id("gid", gid, p), perms(permissions, p)));
    return this;
  }

  /**
   * Sets owner and permissions of inode {@code <2>}. The {@code S_IFDIR} type bits are always kept:
   * {@code set_inode_field <2> mode} overwrites the whole {@code i_mode} word, and writing bare
   * permission bits turns the root into a "regular file" the kernel refuses to mount.
   */
  public Ext4Edit rootInode(long uid, long gid, int permissions) {
    if (root != null) {
      throw invalid("the root inode is set twice in one edit");
    }
    root =
        new Root(
            id("uid", uid, GuestPath.ROOT),
            id("gid", gid, GuestPath.ROOT),
            perms(permissions, GuestPath.ROOT));
    return this;
  }

  public List<Dir> dirs() {
    return Collections.unmodifiableList(dirs);
  }

  public List<File> files() {
    return Collections.unmodifiableList(files);
  }

  public Root root() {
    return root;
  }

  public boolean isEmpty() {
    return dirs.isEmpty() && files.isEmpty() && root == null;
  }

  private GuestPath claim(String raw) {
    GuestPath p = GuestPath.of(raw);
    if (!seen.add(p)) {
      throw invalid("guest path " + p + " appears twice in one edit");
    }
    return p;
  }

  static long id(String what, long v, GuestPath p) {
    if (v < 0 || v > MAX_ID) {
      throw invalid(what + " " + v + " for " + p + " is out of range 0.." + MAX_ID);
    }
    return v;
  }

  static int perms(int v, GuestPath p) {
    if (v < 0 || v > 07777) {
      throw invalid(
          "mode "
              + Integer.toOctalString(v)
              + " for "
              + p
              + " is not permission bits (0..07777; the type is implied)");
    }
    return v;
  }

  private static Ext4Exception invalid(String msg) {
    return new Ext4Exception(Ext4Exception.Kind.INVALID_ARGUMENT, msg);
  }
}
