package dev.banger.image.kit;

import dev.banger.image.oci.Digest;
import dev.banger.kit.ops.Cancellation;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * The kit's files as a directory tree, ready for {@code mkfs.ext4 -d} (docs/guest-kit.md). {@link
 * #take} keeps, of the packages' unpacked tarball (read as untrusted), only busybox, dropbear and
 * the shared libraries; {@link #assemble} adds banger's scripts, the busybox applet links and the
 * mount points, and points the dynamic binaries at the kit's own {@code ld.so}.
 */
public final class KitTree {

  /** Where stage 2 finds the loader: short enough to fit Debian's 28-byte PT_INTERP. */
  static final String INTERPRETER = "/.banger/lib/ld.so";

  static final String LOADER = "ld-linux-x86-64.so.2";

  /** Tarball names (after {@code ./}) → where they go in the kit. */
  static final Map<String, String> PROGRAMS =
      Map.of(
          "bin/busybox", "bin/busybox",
          "usr/sbin/dropbear", "sbin/dropbear",
          "usr/bin/dropbearkey", "bin/dropbearkey");

  /** The dynamic ones: their interpreter becomes {@link #INTERPRETER}. */
  static final List<String> DYNAMIC = List.of("sbin/dropbear", "bin/dropbearkey");

  /** Library directories of the packages (Debian keeps both until /usr is merged on install). */
  static final List<String> LIB_DIRS =
      List.of("lib/x86_64-linux-gnu/", "usr/lib/x86_64-linux-gnu/");

  /**
   * The busybox applets the kit's scripts call by name (builtins of ash need none), and those a
   * clone's re-identify needs when the image lacks them (date, head, hostname).
   */
  static final List<String> APPLETS =
      List.of(
          "sh",
          "cat",
          "chroot",
          "date",
          "env",
          "head",
          "hostname",
          "ip",
          "kill",
          "ln",
          "mkdir",
          "mount",
          "mountpoint",
          "nsenter",
          "pivot_root",
          "poweroff",
          "rm",
          "sleep",
          "sync",
          "umount");

  /** Mount points: Debian's initramfs moves /dev, /proc, /sys and /run into the kit's root. */
  static final List<String> MOUNT_POINTS = List.of("dev", "proc", "sys", "run", "newroot");

  /** banger's scripts: resource → kit path. */
  static final Map<String, String> SCRIPTS =
      Map.of(
          "/kit/init", "sbin/init",
          "/kit/pid1", "libexec/pid1",
          "/guest/network-bootstrap", "libexec/network-bootstrap");

  static final long MAX_BYTES = 256L << 20;

  private KitTree() {}

  /** What {@link #take} kept. */
  public record Taken(int files, long bytes) {}

  /**
   * Copies the kit's parts out of a package tarball into {@code tree}. Fails when one of {@link
   * #PROGRAMS} or the loader is missing, so a kit is never built without its SSH server.
   */
  public static Taken take(InputStream in, Path tree, BooleanSupplier cancelled)
      throws IOException {
    int files = 0;
    long bytes = 0;
    Files.createDirectories(tree.resolve("bin"));
    Files.createDirectories(tree.resolve("sbin"));
    Files.createDirectories(tree.resolve("lib"));
    TarArchiveInputStream tar = new TarArchiveInputStream(in);
    TarArchiveEntry e;
    while ((e = tar.getNextEntry()) != null) {
      Cancellation.check(cancelled, "the kit build was cancelled");
      String name = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
      String target = targetOf(name);
      if (target == null) {
        continue;
      }
      Path out = tree.resolve(target);
      if (e.isSymbolicLink()) {
        String link = e.getLinkName();
        // Only a library's own version link (libz.so.1 -> libz.so.1.2.13): a name, never a path.
        if (!target.startsWith("lib/") || !link.matches("[A-Za-z0-9._+-]+") || link.equals("..")) {
          continue;
        }
        Files.deleteIfExists(out);
        Files.createSymbolicLink(out, Path.of(link));
        files++;
      } else if (e.isFile()) {
        bytes += e.getSize();
        if (bytes > MAX_BYTES) {
          throw new IOException("the kit's packages hold more than " + MAX_BYTES + " bytes");
        }
        Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(
            out,
            PosixFilePermissions.fromString((e.getMode() & 0111) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
        files++;
      }
    }
    for (String need : PROGRAMS.values()) {
      require(tree.resolve(need), need);
    }
    require(tree.resolve("lib").resolve(LOADER), "lib/" + LOADER);
    return new Taken(files, bytes);
  }

  /** Where a tarball entry goes in the kit, or null when the kit does not keep it. */
  static String targetOf(String name) {
    if (name.contains("..") || name.startsWith("/")) {
      return null;
    }
    String program = PROGRAMS.get(name);
    if (program != null) {
      return program;
    }
    for (String dir : LIB_DIRS) {
      if (name.startsWith(dir)) {
        String file = name.substring(dir.length());
        if (!file.contains("/") && file.contains(".so") && file.matches("[A-Za-z0-9._+-]+")) {
          return "lib/" + file;
        }
      }
    }
    return null;
  }

  private static void require(Path p, String what) throws IOException {
    if (!Files.isRegularFile(p)) {
      throw new IOException("the kit's packages hold no " + what);
    }
  }

  /** banger's scripts, the applet links, the mount points, the loader link and interpreters. */
  public static void assemble(Path tree) throws IOException {
    for (Map.Entry<String, String> s : SCRIPTS.entrySet()) {
      Path out = tree.resolve(s.getValue());
      Files.createDirectories(out.getParent());
      try (InputStream in = KitTree.class.getResourceAsStream(s.getKey())) {
        if (in == null) {
          throw new IllegalStateException(
              "kit script " + s.getKey() + " is missing from the build");
        }
        Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    for (String applet : APPLETS) {
      Path link = tree.resolve("bin").resolve(applet);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, Path.of("busybox"));
    }
    for (String dir : MOUNT_POINTS) {
      Files.createDirectories(tree.resolve(dir));
    }
    Path ld = tree.resolve("lib/ld.so");
    Files.deleteIfExists(ld);
    Files.createSymbolicLink(ld, Path.of(LOADER));
    for (String program : DYNAMIC) {
      ElfInterpreter.replace(tree.resolve(program), INTERPRETER);
    }
  }

  /**
   * One line per entry, sorted: {@code path type mode size sha256-or-link}. Recorded beside the kit
   * and hashed into nothing: what the kit holds, for {@code image show} and for tests.
   */
  public static List<String> manifest(Path tree) throws IOException {
    Map<String, String> lines = new TreeMap<>();
    try (var walk = Files.walk(tree)) {
      for (Path p : walk.toList()) {
        String rel = tree.relativize(p).toString();
        if (rel.isEmpty()) {
          continue;
        }
        if (Files.isSymbolicLink(p)) {
          lines.put(rel, rel + " link -> " + Files.readSymbolicLink(p));
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          lines.put(rel, rel + " dir");
        } else {
          String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
          lines.put(rel, rel + " file " + mode + " " + Files.size(p) + " " + sha256(p));
        }
      }
    }
    return new ArrayList<>(lines.values());
  }

  static String sha256(Path p) throws IOException {
    Digest.Hasher hasher = Digest.newHasher("sha256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        hasher.update(buf, 0, n);
      }
    }
    return hasher.digest().hex();
  }
}
