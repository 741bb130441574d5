package dev.banger.cli.guest;

import dev.banger.kit.archive.TarTypeFlags;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks the tar stream GetFiles sends ({@code vm cp VM:/path… DIR}) onto the host, treating it as
 * hostile: the guest is a machine anyone may have had root in. Every entry must lie under the one
 * top name GetFiles gives (the path's last component), with no absolute name and no {@code ..};
 * nothing is written through a symbolic link, neither one the stream made nor one already under the
 * destination; links are made as links and never followed. Only permission bits are kept (no
 * setuid, setgid or sticky bit lands on the host) and files belong to the user running banger, as
 * with scp. Devices and FIFOs are skipped and named. An entry refused stops the copy, naming it;
 * entries before it stay written, as with cp.
 */
public final class HostTarExtractor {

  private final Path into;
  private final String expectedTop;
  private final String top;
  private final PrintWriter warnings;
  private final Set<Path> made = new HashSet<>();
  private final Deque<Dir> dirs = new ArrayDeque<>();
  private long entries;

  private record Dir(Path path, int mode, FileTime mtime) {}

  /**
   * @param into an existing host directory the copy lands in
   * @param expectedTop the top name the stream must use (the guest path's last component)
   * @param top the name it gets on the host (the same, or the destination's name when renamed)
   */
  public HostTarExtractor(Path into, String expectedTop, String top, PrintWriter warnings) {
    this.into = into;
    this.expectedTop = expectedTop;
    this.top = top;
    this.warnings = warnings;
  }

  public long extract(InputStream stream) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(stream)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        Path target = target(e.getName());
        if (e.isDirectory()) {
          directory(target, e);
        } else if (e.isSymbolicLink()) {
          replaceable(target, e.getName());
          Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else if (e.isLink()) {
          // A hard link to an earlier entry of this stream: a copy of what that entry wrote.
          Path source = target(e.getLinkName());
          if (!made.contains(source) || !Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
            throw refused(
                e.getName(), "it links to \"" + e.getLinkName() + "\", no file of this copy");
          }
          replaceable(target, e.getName());
          Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
        } else if (TarTypeFlags.regular(e.getLinkFlag())) {
          replaceable(target, e.getName());
          try (var out =
              Files.newOutputStream(
                  target,
                  StandardOpenOption.CREATE_NEW,
                  StandardOpenOption.WRITE,
                  LinkOption.NOFOLLOW_LINKS)) {
            tar.transferTo(out);
          }
          Files.setPosixFilePermissions(target, permissions(e.getMode()));
          Files.setLastModifiedTime(target, e.getLastModifiedTime());
        } else {
          warnings.println("banger: skipped " + e.getName() + ": not a file, directory or link");
          continue;
        }
        made.add(target);
        entries++;
      }
    }
    // Modes last and deepest first, so a directory without write permission still got its files.
    while (!dirs.isEmpty()) {
      Dir d = dirs.pop();
      Files.setPosixFilePermissions(d.path, permissions(d.mode));
      Files.setLastModifiedTime(d.path, d.mtime);
    }
    return entries;
  }

  /** Where an entry lands, after every check on its name and the path to it. */
  private Path target(String name) throws IOException {
    String trimmed = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    if (trimmed.isEmpty() || trimmed.startsWith("/")) {
      throw refused(name, "it is absolute or empty");
    }
    String[] parts = trimmed.split("/");
    if (!parts[0].equals(expectedTop)) {
      throw refused(name, "it is not under \"" + expectedTop + "\", the path asked for");
    }
    Path p = into.resolve(top);
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw refused(name, "it has a \"" + (part.isEmpty() ? "//" : part) + "\" component");
      }
      if (Files.isSymbolicLink(p)) {
        throw refused(name, "it passes through " + p + ", a symbolic link");
      }
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
        throw refused(name, "it passes through " + p + ", which is not a directory");
      }
      p = p.resolve(part);
    }
    return p;
  }

  private void directory(Path target, TarArchiveEntry e) throws IOException {
    if (Files.isSymbolicLink(target)) {
      throw refused(e.getName(), target + " is a symbolic link");
    }
    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw refused(e.getName(), target + " exists and is not a directory");
      }
      Files.createDirectory(target);
    }
    // Writable by us until the end, whatever the guest's mode says.
    Files.setPosixFilePermissions(target, permissions(e.getMode() | 0700));
    dirs.push(new Dir(target, e.getMode(), e.getLastModifiedTime()));
  }

  /** An existing file or link at target is replaced, as cp and scp do; a directory is not. */
  private void replaceable(Path target, String name) throws IOException {
    if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(
          target + " is a directory; tar entry \"" + name + "\" is not");
    }
    Files.deleteIfExists(target);
  }

  private static IOException refused(String name, String why) {
    return new IOException(
        "refused tar entry \"" + name + "\" from the VM: " + why + "; nothing more was written");
  }

  static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    for (PosixFilePermission p : PosixFilePermission.values()) {
      if ((mode & (1 << (8 - p.ordinal()))) != 0) {
        s.add(p);
      }
    }
    return s;
  }
}
