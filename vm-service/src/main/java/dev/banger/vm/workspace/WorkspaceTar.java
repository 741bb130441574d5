package dev.banger.vm.workspace;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes a workspace as one tar stream, read from the work tree as it is written (no copy on the
 * host): directories, regular files with their permission bits, symbolic links as links (never
 * followed). Owners are root's (the guest's user); names and sizes of any length (POSIX headers).
 * Anything else (a socket, a FIFO, a device in a work tree) is skipped.
 */
public final class WorkspaceTar {

  private static final int BUFFER = 1 << 16;

  private WorkspaceTar() {}

  /** Totals of what was written. */
  public record Written(int files, long bytes) {}

  /**
   * @param progress told the file bytes written so far, now and then
   * @return how many entries and file bytes went into the stream
   */
  /**
   * The prepare's time stamp in the copy's {@code .git}: what in the VM is newer was changed there
   * (docs/workspaces.md, "A copy again").
   */
  public static final String STAMP = ".git/banger-prepared";

  static final long STAMP_MARGIN_S = 2;

  public static Written write(WorkspaceSource src, OutputStream sink, LongConsumer progress)
      throws IOException {
    return write(src, sink, progress, false);
  }

  /**
   * @param stamp add {@link #STAMP} (now) when the tree has a {@code .git} directory: for a copy
   *     written onto a work disk offline, where no command in the guest can touch it afterwards
   */
  public static Written write(
      WorkspaceSource src, OutputStream sink, LongConsumer progress, boolean stamp)
      throws IOException {
    int entries = 0;
    long bytes = 0;
    long reported = 0;
    byte[] buf = new byte[BUFFER];
    TarArchiveOutputStream tar = new TarArchiveOutputStream(sink, BUFFER);
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
    tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    tar.setAddPaxHeadersForNonAsciiNames(true);
    for (String rel : src.paths()) {
      Path p = src.root().resolve(rel);
      PosixFileAttributes a;
      try {
        a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (java.nio.file.NoSuchFileException gone) {
        continue; // deleted since the listing: as if it had not been listed
      }
      TarArchiveEntry e;
      if (a.isSymbolicLink()) {
        e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK);
        e.setLinkName(Files.readSymbolicLink(p).toString());
      } else if (a.isDirectory()) {
        e = new TarArchiveEntry(rel + "/");
      } else if (a.isRegularFile()) {
        e = new TarArchiveEntry(rel);
        e.setSize(a.size());
      } else {
        continue;
      }
      e.setMode(e.getMode() & ~07777 | mode(a.permissions()));
      // Whole seconds, as GNU tar stores them: a sub-second time makes commons-compress add a PAX
      // header before every entry, which the guest's tar (on an emulated CPU) then has to parse.
      e.setModTime(FileTime.from(a.lastModifiedTime().to(TimeUnit.SECONDS), TimeUnit.SECONDS));
      e.setIds(0, 0);
      e.setNames("root", "root");
      tar.putArchiveEntry(e);
      if (a.isRegularFile()) {
        long left = a.size();
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
          // Exactly the size the header promised, even if the file grows or shrinks meanwhile.
          while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) {
              throw new IOException(p + " shrank while it was being sent; prepare again");
            }
            tar.write(buf, 0, n);
            left -= n;
            bytes += n;
            if (bytes - reported >= (4 << 20)) {
              progress.accept(bytes);
              reported = bytes;
            }
          }
        }
      }
      tar.closeArchiveEntry();
      entries++;
    }
    if (stamp && Files.isDirectory(src.root().resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
      TarArchiveEntry e = new TarArchiveEntry(STAMP);
      e.setMode(0100644);
      // Whole seconds, rounded up with a margin: directories the writer makes implicitly get the
      // time of the write, which must not look newer than the stamp; the guest boots later.
      e.setModTime(
          FileTime.from(
              java.time.Instant.now().getEpochSecond() + STAMP_MARGIN_S, TimeUnit.SECONDS));
      e.setIds(0, 0);
      e.setNames("root", "root");
      tar.putArchiveEntry(e);
      tar.closeArchiveEntry();
    }
    tar.finish();
    tar.flush();
    progress.accept(bytes);
    return new Written(entries, bytes);
  }

  static int mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |=
          switch (p) {
            case OWNER_READ -> 0400;
            case OWNER_WRITE -> 0200;
            case OWNER_EXECUTE -> 0100;
            case GROUP_READ -> 040;
            case GROUP_WRITE -> 020;
            case GROUP_EXECUTE -> 010;
            case OTHERS_READ -> 04;
            case OTHERS_WRITE -> 02;
            case OTHERS_EXECUTE -> 01;
          };
    }
    return m;
  }
}
