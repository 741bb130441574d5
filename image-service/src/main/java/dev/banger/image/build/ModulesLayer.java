package dev.banger.image.build;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A kernel's modules as one more tar layer: {@code lib/modules/<release>/…}, root-owned, modes and
 * times as stored. Like {@link GuestPieces}, it goes through the same flattener and ownership pass
 * as the image's own layers, so there is one tree-copying implementation, not two. Only {@code
 * lib/modules/<release>} and below are entries: {@code lib} and {@code lib/modules} are left to the
 * image (on merged-/usr distros {@code lib} is a symlink the flattener follows).
 *
 * <p>The tar is generated lazily as the flattener reads, one chunk at a time, so hundreds of MiB of
 * modules are never held in memory or written twice.
 */
public final class ModulesLayer extends InputStream {

  private static final int CHUNK = 256 * 1024;

  private final Path tree;
  private final String prefix;
  private final Iterator<Path> paths;
  private final Pending pending = new Pending();
  private final TarArchiveOutputStream tar;
  private final byte[] chunk = new byte[CHUNK];
  private InputStream file;
  private long fileLeft;
  private boolean finished;

  private ModulesLayer(Path tree, String release, List<Path> paths) {
    this.tree = tree;
    this.prefix = "lib/modules/" + release;
    this.paths = paths.iterator();
    this.tar = new TarArchiveOutputStream(pending, "UTF-8");
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
  }

  /**
   * @param tree a kernel's stored {@code lib/modules/<release>} (written and checked at import)
   * @param release the kernel's release, the last component of the entries' directory
   */
  public static ModulesLayer open(Path tree, String release) throws IOException {
    try (Stream<Path> walk = Files.walk(tree)) { // pre-order, symlinks not followed
      return new ModulesLayer(tree, release, walk.toList());
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pending.available() == 0) {
      if (!produce()) {
        return -1;
      }
    }
    return pending.take(b, off, len);
  }

  /** Writes the next piece of tar into {@link #pending}; false once everything is out. */
  private boolean produce() throws IOException {
    if (file != null) {
      int n = file.read(chunk, 0, (int) Math.min(CHUNK, fileLeft));
      if (n < 0) {
        throw new IOException(
            "kernel module file under " + tree + " shrank while it was being read");
      }
      tar.write(chunk, 0, n);
      fileLeft -= n;
      if (fileLeft == 0) {
        file.close();
        file = null;
        tar.closeArchiveEntry();
      }
      return true;
    }
    if (paths.hasNext()) {
      entry(paths.next());
      return true;
    }
    if (!finished) {
      finished = true;
      tar.close(); // end-of-archive records, flushed into pending
      return true;
    }
    return false;
  }

  private void entry(Path p) throws IOException {
    String rel = tree.relativize(p).toString();
    String name = rel.isEmpty() ? prefix : prefix + "/" + rel;
    PosixFileAttributes a =
        Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    TarArchiveEntry e;
    if (a.isDirectory()) {
      e = new TarArchiveEntry(name + "/", TarConstants.LF_DIR);
    } else if (a.isSymbolicLink()) {
      e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
      e.setLinkName(Files.readSymbolicLink(p).toString());
    } else if (a.isRegularFile()) {
      e = new TarArchiveEntry(name);
      e.setSize(a.size());
    } else {
      throw new IOException(
          "the stored modules of a kernel hold "
              + p
              + ", which is not a file, directory or symlink");
    }
    e.setMode(mode);
    e.setIds(0, 0);
    e.setUserName("root");
    e.setGroupName("root");
    e.setModTime(a.lastModifiedTime());
    tar.putArchiveEntry(e);
    if (a.isRegularFile() && a.size() > 0) {
      file = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
      fileLeft = a.size();
    } else {
      tar.closeArchiveEntry();
    }
  }

  @Override
  public void close() throws IOException {
    if (file != null) {
      file.close();
      file = null;
    }
  }

  /** The bytes the tar writer has produced and the reader has not taken yet. */
  private static final class Pending extends OutputStream {
    private byte[] buf = new byte[2 * CHUNK];
    private int start;
    private int end;

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (end + len > buf.length) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
        if (end + len > buf.length) {
          buf = Arrays.copyOf(buf, Math.max(buf.length * 2, end + len));
        }
      }
      System.arraycopy(b, off, buf, end, len);
      end += len;
    }

    int available() {
      return end - start;
    }

    int take(byte[] b, int off, int len) {
      int n = Math.min(len, end - start);
      System.arraycopy(buf, start, b, off, n);
      start += n;
      if (start == end) {
        start = 0;
        end = 0;
      }
      return n;
    }
  }
}
