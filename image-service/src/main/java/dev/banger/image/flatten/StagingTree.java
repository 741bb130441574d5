package dev.banger.image.flatten;

import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The host side of flattening: a directory that plays the guest's root. Every lookup walks it one
 * component at a time without following links on the host; a symlink met on the way is followed the
 * way the guest would, inside this root, so no entry can reach outside it.
 */
final class StagingTree {

  /** Linux's own bound on links followed in one lookup (ELOOP). */
  static final int MAX_LINK_HOPS = 40;

  private static final int BLOCK = 4096;
  private static final byte[] ZEROS = new byte[BLOCK];

  private final Path root;

  StagingTree(Path root) {
    this.root = root;
  }

  Path root() {
    return root;
  }

  /** Host path of a resolved, relative guest path ("" is the root). */
  Path host(String rel) {
    return rel.isEmpty() ? root : root.resolve(rel);
  }

  /**
   * Called for each directory {@link #resolveDirectory} creates, and asked which paths are special.
   */
  interface Listener {
    void created(String rel);

    boolean isSpecial(String rel);
  }

  /**
   * Resolves {@code components} as a directory path inside the root, following symlinks met on the
   * way as a chroot would. Returns the real relative path, or null when a component is missing and
   * {@code create} is false. With {@code create}, missing directories are made.
   */
  String resolveDirectory(
      String entry, List<String> components, boolean create, Listener listener) {
    Deque<String> todo = new ArrayDeque<>(components);
    List<String> cur = new ArrayList<>();
    int hops = 0;
    while (!todo.isEmpty()) {
      String c = todo.pollFirst();
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (cur.isEmpty()) {
          throw new LayerRejectedException(entry, "a symlink on its path escapes the image root");
        }
        cur.removeLast();
        continue;
      }
      String rel = join(cur, c);
      // A name taken from a symlink's target was never checked as an entry name; check it before
      // the host sees it, or a component over 255 bytes fails lstat as an I/O error (ENAMETOOLONG).
      EntryNames.requireCarriable(entry, rel);
      BasicFileAttributes a = lstat(host(rel));
      if (a == null) {
        if (listener.isSpecial(rel)) {
          throw new LayerRejectedException(
              entry, "parent \"" + rel + "\" is a device node, not a directory");
        }
        if (!create) {
          return null;
        }
        mkdir(host(rel));
        listener.created(rel);
        cur.add(c);
      } else if (a.isSymbolicLink()) {
        if (++hops > MAX_LINK_HOPS) {
          throw new LayerRejectedException(entry, "too many levels of symbolic links on its path");
        }
        String target = readLink(host(rel));
        if (target.startsWith("/")) {
          cur.clear();
        }
        List<String> parts = Arrays.asList(target.split("/"));
        for (int i = parts.size() - 1; i >= 0; i--) {
          todo.addFirst(parts.get(i));
        }
      } else if (a.isDirectory()) {
        cur.add(c);
      } else {
        throw new LayerRejectedException(entry, "parent \"" + rel + "\" is not a directory");
      }
    }
    return String.join("/", cur);
  }

  static String join(List<String> parent, String name) {
    return parent.isEmpty() ? name : String.join("/", parent) + "/" + name;
  }

  static String child(String parent, String name) {
    return parent.isEmpty() ? name : parent + "/" + name;
  }

  /** lstat, or null when nothing is there. */
  static BasicFileAttributes lstat(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Removes whatever is at {@code rel}, a whole directory tree included; links are not followed.
   */
  void remove(String rel) {
    try {
      DirectoryTrees.delete(host(rel));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void mkdir(Path p) {
    try {
      Files.createDirectory(p);
      // Staged directories stay ours to write and traverse; the ownership pass sets the real mode.
      Files.setPosixFilePermissions(
          p,
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE,
              PosixFilePermission.GROUP_READ,
              PosixFilePermission.GROUP_EXECUTE,
              PosixFilePermission.OTHERS_READ,
              PosixFilePermission.OTHERS_EXECUTE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void symlink(Path p, String target) {
    try {
      Files.createSymbolicLink(p, Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  void hardlink(Path link, Path existing) {
    try {
      Files.createLink(link, existing);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String readLink(Path p) {
    try {
      return Files.readSymbolicLink(p).toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes exactly {@code size} bytes from {@code in} into a new file, leaving all-zero blocks as
   * holes. {@code CREATE_NEW} refuses to open anything already there, a planted symlink included;
   * the caller has removed what the entry replaces.
   *
   * @param tooBig called with the byte count after each read of at most 64 KiB: true when the
   *     stream turns out longer than allowed (a caller may also end the write there by throwing)
   */
  long writeFile(Path p, InputStream in, long size, Predicate<Long> tooBig) throws IOException {
    long written = 0;
    try (FileChannel ch =
        FileChannel.open(
            p,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS)) {
      byte[] buf = new byte[16 * BLOCK];
      int n;
      while ((n = in.readNBytes(buf, 0, buf.length)) > 0) {
        if (tooBig.test(written + n)) {
          break;
        }
        for (int off = 0; off < n; off += BLOCK) {
          int len = Math.min(BLOCK, n - off);
          if (Arrays.mismatch(buf, off, off + len, ZEROS, 0, len) != -1) {
            ch.write(ByteBuffer.wrap(buf, off, len), written + off);
          }
        }
        written += n;
      }
    }
    if (written != size) {
      throw new IOException("layer stream ended after " + written + " of " + size + " bytes");
    }
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size); // a trailing hole still counts towards the size
    }
    return written;
  }

  static void setPermissions(Path p, Set<PosixFilePermission> perms) {
    try {
      Files.setPosixFilePermissions(p, perms);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void setMtime(Path p, long seconds) {
    try {
      Files.getFileAttributeView(
              p, java.nio.file.attribute.BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
          .setTimes(FileTime.fromMillis(seconds * 1000), null, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
