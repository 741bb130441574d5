package dev.banger.image.kernel;

import dev.banger.image.kernel.KernelSourceException.Kind;
import dev.banger.kit.text.Printable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;

/**
 * Reads the files a user names for a kernel import, treating every path as hostile.
 *
 * <p>The service runs as its own unprivileged user, so the kernel enforces what it may read; an
 * {@code EACCES} becomes "cannot read … as user banger-image". But what it copies lands in {@code
 * kernels/}, which every local user can read, so the service must not be a way to read what only
 * its own user can (its database, its registry credentials). Hence two rules on top: nothing under
 * banger's own state directories, and only files every user may read ({@code o+r}; directories
 * {@code o+rx}). Symlinks are resolved and the rules apply to where they lead.
 *
 * <p>Files are opened with {@code O_NOFOLLOW} on the resolved path and its inode is compared before
 * and after the open. Java has no {@code fstat}, so a user racing renames in a directory they own
 * can still swap a file in that narrow window; the two rules above bound what that can reach.
 */
public final class SourceFiles {

  private static final long CHUNK = 16L << 20;

  private final List<Path> ownState;
  private final String user;

  /**
   * @param ownState banger's state directories (real paths), never read from
   * @param user the service's user name, for messages
   */
  public SourceFiles(List<Path> ownState, String user) {
    this.ownState = List.copyOf(ownState);
    this.user = user;
  }

  /**
   * The real path of {@code given} (symlinks resolved), refused when missing or inside banger's
   * state.
   */
  public Path resolve(String field, Path given) throws KernelSourceException {
    Path real;
    try {
      real = given.toRealPath();
    } catch (NoSuchFileException e) {
      throw rejected(field, given, "does not exist");
    } catch (AccessDeniedException e) {
      throw unreadable(field, given, e);
    } catch (IOException e) {
      throw rejected(field, given, "cannot be resolved (" + reason(e) + ")");
    }
    for (Path root : ownState) {
      if (real.startsWith(root)) {
        throw rejected(
            field,
            given,
            "is inside banger's own state directory " + root + "; import a copy from elsewhere");
      }
    }
    return real;
  }

  /**
   * Attributes of {@code real} itself (never following a symlink), read errors named for {@code
   * given}.
   */
  public PosixFileAttributes attributes(String field, Path given, Path real)
      throws KernelSourceException {
    try {
      return Files.readAttributes(real, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      throw rejected(field, given, "disappeared while being read");
    } catch (AccessDeniedException e) {
      throw unreadable(field, given, e);
    } catch (IOException e) {
      throw rejected(field, given, "cannot be read (" + reason(e) + ")");
    }
  }

  /** Checks {@code real} is a directory any user may list and enter. */
  public void requireDirectory(String field, Path given, Path real) throws KernelSourceException {
    PosixFileAttributes a = attributes(field, given, real);
    if (!a.isDirectory()) {
      throw rejected(field, given, "is not a directory (" + typeName(a) + ")");
    }
    if (!a.permissions().contains(PosixFilePermission.OTHERS_READ)
        || !a.permissions().contains(PosixFilePermission.OTHERS_EXECUTE)) {
      throw notPublic(field, given, a);
    }
  }

  /** Checks a file's mode has {@code o+r}. */
  public void requireReadableByAll(String field, Path given, PosixFileAttributes a)
      throws KernelSourceException {
    if (!a.permissions().contains(PosixFilePermission.OTHERS_READ)) {
      throw notPublic(field, given, a);
    }
  }

  /**
   * Copies the regular file {@code real} to {@code dst} (created, then made 0644), at most {@code
   * maxBytes}, in-kernel ({@code copy_file_range}/{@code sendfile} through {@link
   * FileChannel#transferTo}); returns the bytes copied.
   */
  public long copyFile(
      String field, Path given, Path real, Path dst, long maxBytes, BooleanSupplier cancelled)
      throws IOException {
    PosixFileAttributes before = attributes(field, given, real);
    if (!before.isRegularFile()) {
      throw rejected(field, given, "is not a regular file (" + typeName(before) + ")");
    }
    requireReadableByAll(field, given, before);
    if (before.size() > maxBytes) {
      throw rejected(field, given, "is " + before.size() + " bytes, over the limit of " + maxBytes);
    }
    try (FileChannel in =
        FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      if (!Objects.equals(before.fileKey(), attributes(field, given, real).fileKey())) {
        throw rejected(field, given, "was replaced while being opened; try again");
      }
      long size = in.size();
      if (size > maxBytes) {
        throw rejected(field, given, "is " + size + " bytes, over the limit of " + maxBytes);
      }
      try (FileChannel out =
          FileChannel.open(dst, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        long done = 0;
        while (done < size) {
          if (cancelled.getAsBoolean()) {
            throw new CancellationException("the import was cancelled");
          }
          long n = in.transferTo(done, Math.min(CHUNK, size - done), out);
          if (n <= 0) {
            throw rejected(field, given, "shrank while being read; try again");
          }
          done += n;
        }
      }
      Files.setPosixFilePermissions(dst, PosixFilePermissions.fromString("rw-r--r--"));
      return size;
    } catch (AccessDeniedException e) {
      if (e.getFile() != null && Path.of(e.getFile()).equals(dst)) {
        throw e; // our own directory: a broken host, not the user's file
      }
      throw unreadable(field, given, e);
    } catch (FileSystemException e) {
      if (e.getFile() == null || !Path.of(e.getFile()).equals(real)) {
        throw e;
      }
      throw rejected(field, given, "cannot be opened (" + reason(e) + ")");
    }
  }

  public KernelSourceException rejected(String field, Path given, String why) {
    return new KernelSourceException(field, Kind.REJECTED, field + " " + quoted(given) + " " + why);
  }

  KernelSourceException unreadable(String field, Path given, AccessDeniedException e) {
    String which =
        e.getFile() == null || Path.of(e.getFile()).equals(given)
            ? ""
            : " (at " + quoted(Path.of(e.getFile())) + ")";
    return new KernelSourceException(
        field,
        Kind.UNREADABLE,
        "cannot read "
            + field
            + " "
            + quoted(given)
            + which
            + " as user "
            + user
            + ", the service's user: permission denied; make it readable by that user");
  }

  private KernelSourceException notPublic(String field, Path given, PosixFileAttributes a) {
    return rejected(
        field,
        given,
        "is not readable by every user (mode "
            + PosixFilePermissions.toString(a.permissions())
            + "); kernels are published world-readable, so banger"
            + " imports only what any local user could read (chmod o+r"
            + (a.isDirectory() ? "x" : "")
            + " it, or import a copy)");
  }

  static String typeName(PosixFileAttributes a) {
    if (a.isDirectory()) {
      return "a directory";
    } else if (a.isSymbolicLink()) {
      return "a symbolic link";
    } else if (a.isRegularFile()) {
      return "a regular file";
    }
    return "a device, FIFO or socket";
  }

  public static String quoted(Path p) {
    return Printable.quoted(p.toString(), 200);
  }

  private static String reason(IOException e) {
    return e instanceof FileSystemException f && f.getReason() != null
        ? f.getReason()
        : e.getClass().getSimpleName();
  }
}
