package dev.banger.ext4;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads debugfs's {@code stat} and {@code ls -p} output. */
final class DebugfsParsers {

  private static final Pattern INODE_LINE =
      Pattern.compile("^Inode:\\s+(\\d+)\\s+Type:\\s+(.+?)\\s+Mode:\\s+([0-7]+)\\s");
  private static final Pattern OWNER_LINE =
      Pattern.compile("^User:\\s+(\\d+)\\s+Group:\\s+(\\d+)\\s.*Size:\\s+(\\d+)");

  private DebugfsParsers() {}

  /** The inode a {@code stat} block describes, or null when the block is empty (not found). */
  static InodeInfo stat(GuestPath path, List<String> block) {
    Matcher inode = null;
    Matcher owner = null;
    for (String l : block) {
      Matcher m = INODE_LINE.matcher(l);
      if (inode == null && m.find()) {
        inode = m;
      }
      Matcher o = OWNER_LINE.matcher(l);
      if (owner == null && o.find()) {
        owner = o;
      }
    }
    if (inode == null || owner == null) {
      return null;
    }
    FileType type = FileType.ofDebugfsWord(inode.group(2));
    if (type == null) {
      throw new Ext4Exception(
          Ext4Exception.Kind.TOOL_FAILED,
          "inode of " + path + " has an unknown type \"" + inode.group(2) + "\"");
    }
    int perm = Integer.parseInt(inode.group(3), 8) & 07777;
    return new InodeInfo(
        path,
        Long.parseLong(inode.group(1)),
        type,
        type.bits() | perm,
        Long.parseLong(owner.group(1)),
        Long.parseLong(owner.group(2)),
        Long.parseLong(owner.group(3)));
  }

  /**
   * The inodes of {@code paths} found in their {@code stat} blocks (same order); missing ones are
   * absent.
   */
  static Map<GuestPath, InodeInfo> stats(List<GuestPath> paths, List<List<String>> blocks) {
    Map<GuestPath, InodeInfo> found = new LinkedHashMap<>();
    for (int i = 0; i < paths.size(); i++) {
      InodeInfo info = stat(paths.get(i), blocks.get(i));
      if (info != null) {
        found.put(paths.get(i), info);
      }
    }
    return found;
  }

  /**
   * Entries of an {@code ls -p} block, without {@code .} and {@code ..}. Each line is {@code
   * /inode/mode/uid/gid/name/size/}. A name with a line break splits into fragments, the first of
   * which is always malformed, so any malformed line fails the listing rather than letting a
   * crafted name pose as an extra entry.
   */
  static List<DirEntry> list(GuestPath dir, List<String> block) {
    List<DirEntry> out = new ArrayList<>();
    for (String l : block) {
      if (l.isEmpty()) {
        continue;
      }
      String[] f = l.split("/", -1);
      if (f.length != 8 || !f[0].isEmpty() || !f[7].isEmpty()) {
        throw new Ext4Exception(
            Ext4Exception.Kind.TOOL_FAILED,
            "directory "
                + dir
                + " holds an entry whose name debugfs cannot print on one line: "
                + GuestPath.printable(l));
      }
      String name = f[5];
      if (name.equals(".") || name.equals("..")) {
        continue;
      }
      try {
        out.add(
            new DirEntry(
                name,
                Long.parseLong(f[1]),
                Integer.parseInt(f[2], 8),
                Long.parseLong(f[3]),
                Long.parseLong(f[4]),
                f[6].isEmpty() ? 0 : Long.parseLong(f[6])));
      } catch (NumberFormatException e) {
        throw new Ext4Exception(
            Ext4Exception.Kind.TOOL_FAILED,
            "cannot read listing of " + dir + ": " + GuestPath.printable(l),
            e);
      }
    }
    return out;
  }
}
