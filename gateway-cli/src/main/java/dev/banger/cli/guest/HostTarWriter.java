package dev.banger.cli.guest;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Host files and trees as the tar stream PutFiles unpacks ({@code vm cp SRC… VM:/path}): regular
 * files, directories and symbolic links (kept as links, never followed), with their permission bits
 * and times, owned by root in the guest as scp made them. Sockets, FIFOs and devices are skipped
 * and named on stderr.
 */
public final class HostTarWriter implements AutoCloseable {

  private final TarArchiveOutputStream tar;
  private final PrintWriter warnings;
  private long entries;
  private long bytes;

  public HostTarWriter(OutputStream out, PrintWriter warnings) {
    this.tar = new TarArchiveOutputStream(out, 64 << 10);
    // PAX headers for long names and big files: the guest's tar (GNU or busybox) reads them.
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    this.warnings = warnings;
  }

  /** Adds {@code source} (a file, a link or a whole tree) under the name {@code as}. */
  public void add(Path source, String as) throws IOException {
    Files.walkFileTree(
        source,
        Set.of(), // no FOLLOW_LINKS: a link is sent as a link
        Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes a)
              throws IOException {
            put(dir, name(dir), TarConstants.LF_DIR, a);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
            if (a.isSymbolicLink()) {
              put(file, name(file), TarConstants.LF_SYMLINK, a);
            } else if (a.isRegularFile()) {
              put(file, name(file), TarConstants.LF_NORMAL, a);
            } else {
              warnings.println("banger: skipped " + file + ": not a file, directory or link");
            }
            return FileVisitResult.CONTINUE;
          }

          private String name(Path p) {
            Path rel = source.relativize(p);
            return rel.toString().isEmpty() ? as : as + "/" + rel;
          }
        });
  }

  private void put(Path p, String name, byte type, BasicFileAttributes a) throws IOException {
    TarArchiveEntry e =
        new TarArchiveEntry(type == TarConstants.LF_DIR ? name + "/" : name, type, false);
    // unix:mode has setuid, setgid and sticky too, which PosixFilePermission leaves out.
    e.setMode((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777);
    e.setModTime(a.lastModifiedTime());
    e.setIds(0, 0);
    e.setUserName("root");
    e.setGroupName("root");
    if (type == TarConstants.LF_SYMLINK) {
      e.setLinkName(Files.readSymbolicLink(p).toString());
    } else if (type == TarConstants.LF_NORMAL) {
      e.setSize(a.size());
    }
    tar.putArchiveEntry(e);
    if (type == TarConstants.LF_NORMAL) {
      // The size in the header was read first: a file that grows meanwhile is cut to it, one that
      // shrinks fails the copy rather than sending a corrupt stream.
      try (var in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
        long n = in.transferTo(new Bounded(tar, a.size()));
        if (n < a.size()) {
          throw new IOException(p + " changed size while it was being copied");
        }
      }
      bytes += a.size();
    }
    tar.closeArchiveEntry();
    entries++;
  }

  long entries() {
    return entries;
  }

  long bytes() {
    return bytes;
  }

  @Override
  public void close() throws IOException {
    tar.finish();
    tar.close();
  }

  /** Passes at most {@code limit} bytes on and swallows the rest. */
  private static final class Bounded extends OutputStream {
    private final OutputStream out;
    private long left;

    Bounded(OutputStream out, long limit) {
      this.out = out;
      this.left = limit;
    }

    @Override
    public void write(int b) throws IOException {
      if (left > 0) {
        out.write(b);
        left--;
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      int n = (int) Math.min(len, left);
      if (n > 0) {
        out.write(b, off, n);
        left -= n;
      }
    }
  }
}
