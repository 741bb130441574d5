package dev.banger.image.source;

import dev.banger.image.kernel.KernelRelease;
import dev.banger.kit.archive.TarTypeFlags;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Takes a kernel out of a root filesystem's tarball (mmdebstrap's, with Debian's kernel package
 * installed): {@code boot/vmlinuz-<release>}, {@code boot/initrd.img-<release>} and the tree of
 * {@code lib/modules/<release>} (or {@code usr/lib/modules/<release>} on a merged-/usr system), and
 * nothing else, into a directory of its own.
 *
 * <p>The bytes come from packages apt verified, but are still read as untrusted: names are relative
 * with no {@code ..}, only regular files, directories and symlinks are written (links verbatim,
 * never followed here; the import's modules check judges where they lead), releases must be ones
 * {@link KernelRelease} accepts, and the total is bounded.
 */
public final class KernelTarFiles {

  /** What was taken: paths inside the output directory. */
  public record Taken(Path kernel, Path initrd, Path modules, String release, long bytes) {}

  private final Path out;
  private final long maxBytes;
  private final int maxEntries;
  private long bytes;
  private int entries;
  private final Set<String> kernels = new TreeSet<>();

  /**
   * @param out an empty directory the caller owns
   */
  public KernelTarFiles(Path out, long maxBytes, int maxEntries) {
    this.out = out;
    this.maxBytes = maxBytes;
    this.maxEntries = maxEntries;
  }

  /**
   * Reads the whole tarball (it does not close {@code tar}) and says what it held.
   *
   * @throws IOException naming what is wrong: no kernel, several, an entry out of bounds
   */
  public Taken read(InputStream tar, BooleanSupplier cancelled) throws IOException {
    TarArchiveInputStream in = new TarArchiveInputStream(tar, "UTF-8");
    TarArchiveEntry e;
    while ((e = in.getNextEntry()) != null) {
      if (cancelled.getAsBoolean()) {
        throw new CancellationException("the kernel pull was cancelled");
      }
      String name = normalise(e.getName());
      if (name == null) {
        throw new IOException("the tarball has an entry named " + quote(e.getName()));
      }
      Path target = target(name);
      if (target == null) {
        continue;
      }
      if (++entries > maxEntries) {
        throw new IOException("the kernel's files have more than " + maxEntries + " entries");
      }
      write(in, e, target);
    }
    return taken();
  }

  /** "./a/b/" as "a/b"; null for an absolute name or one with a ".." or empty component. */
  static String normalise(String raw) {
    String n = raw;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    while (n.endsWith("/")) {
      n = n.substring(0, n.length() - 1);
    }
    if (n.isEmpty() || n.equals(".")) {
      return ""; // the root entry
    }
    if (n.startsWith("/") || n.indexOf('\0') >= 0) {
      return null;
    }
    for (String part : n.split("/", -1)) {
      if (part.isEmpty() || part.equals("..") || part.equals(".")) {
        return null;
      }
    }
    return n;
  }

  /** Where an entry goes under {@code out}, or null when it is not part of a kernel. */
  private Path target(String name) throws IOException {
    if (name.startsWith("boot/vmlinuz-") && name.indexOf('/', 5) < 0) {
      String release = release(name.substring("boot/vmlinuz-".length()));
      kernels.add(release);
      return out.resolve("vmlinuz-" + release);
    }
    if (name.startsWith("boot/initrd.img-") && name.indexOf('/', 5) < 0) {
      return out.resolve("initrd.img-" + release(name.substring("boot/initrd.img-".length())));
    }
    String rest =
        name.startsWith("usr/lib/modules/")
            ? name.substring("usr/lib/modules/".length())
            : name.startsWith("lib/modules/") ? name.substring("lib/modules/".length()) : null;
    if (rest == null) {
      return null;
    }
    int slash = rest.indexOf('/');
    String release = release(slash < 0 ? rest : rest.substring(0, slash));
    return out.resolve("modules")
        .resolve(release)
        .resolve(slash < 0 ? "" : rest.substring(slash + 1));
  }

  private static String release(String candidate) throws IOException {
    if (!KernelRelease.valid(candidate)) {
      throw new IOException("the tarball names a kernel release " + quote(candidate));
    }
    return candidate;
  }

  private void write(TarArchiveInputStream in, TarArchiveEntry e, Path target) throws IOException {
    refuseLinksAbove(target, e.getName());
    Files.createDirectories(target.getParent());
    if (e.isDirectory()) {
      Files.createDirectories(target);
      return;
    }
    boolean inModules = target.startsWith(out.resolve("modules"));
    if (e.isSymbolicLink() && inModules) {
      Files.deleteIfExists(target);
      Files.createSymbolicLink(target, Path.of(e.getLinkName()));
      return;
    }
    if (!TarTypeFlags.regular(e.getLinkFlag())) {
      // The kernel and initrd must be files: the import opens what a link would point at.
      throw new IOException(
          "the kernel's files hold "
              + quote(e.getName())
              + (inModules
                  ? ", which is not a file, directory or link"
                  : ", which is not a regular file"));
    }
    bytes += e.getSize();
    if (e.getSize() < 0 || bytes > maxBytes) {
      throw new IOException("the kernel's files are over " + maxBytes + " bytes");
    }
    Path part = target.resolveSibling("." + target.getFileName() + ".part");
    Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
    if (Files.size(part) != e.getSize()) {
      throw new IOException("the tarball ends inside " + quote(e.getName()));
    }
    // Permission bits only, readable by all: the import publishes them world-readable anyway.
    Set<PosixFilePermission> mode =
        EnumSet.of(
            PosixFilePermission.OWNER_READ,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.OTHERS_READ);
    Files.setPosixFilePermissions(part, mode);
    Files.setLastModifiedTime(part, FileTime.from(e.getLastModifiedDate().toInstant()));
    Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Nothing is written through a link the tarball made earlier ({@code modules/x/kernel -> /etc},
   * then {@code modules/x/kernel/passwd}).
   */
  private void refuseLinksAbove(Path target, String name) throws IOException {
    for (Path p = target.getParent();
        p != null && p.startsWith(out) && !p.equals(out);
        p = p.getParent()) {
      if (Files.isSymbolicLink(p)) {
        throw new IOException(
            "the tarball's "
                + quote(name)
                + " lies below a symbolic link, "
                + quote(out.relativize(p).toString()));
      }
    }
  }

  /** Directories readable by all, as the import's modules check wants them. */
  private static void openDirectories(Path modules) throws IOException {
    Set<PosixFilePermission> dir =
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x");
    try (var walk = Files.walk(modules)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
          Files.setPosixFilePermissions(p, dir);
        }
      }
    }
  }

  private Taken taken() throws IOException {
    if (kernels.isEmpty()) {
      throw new IOException("the package installed no /boot/vmlinuz-*");
    }
    if (kernels.size() > 1) {
      throw new IOException("the package installed several kernels: " + kernels);
    }
    String release = kernels.iterator().next();
    Path initrd = out.resolve("initrd.img-" + release);
    Path modules = out.resolve("modules").resolve(release);
    List<String> missing = new ArrayList<>();
    if (!Files.isRegularFile(initrd)) {
      missing.add("/boot/initrd.img-" + release);
    }
    if (!Files.isDirectory(modules)) {
      missing.add("/lib/modules/" + release);
    }
    if (!missing.isEmpty()) {
      throw new IOException(
          "the kernel " + release + " came without " + String.join(" and ", missing));
    }
    openDirectories(modules);
    return new Taken(out.resolve("vmlinuz-" + release), initrd, modules, release, bytes);
  }

  private static String quote(String s) {
    return dev.banger.kit.text.Printable.quoted(s, 120);
  }
}
