package dev.banger.image.kit;

import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.GuestPath;
import dev.banger.ext4.Ownership;
import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.oci.Digest;
import dev.banger.image.ports.KitPackages;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * banger's guest kit on this host (docs/guest-kit.md): one read-only ext4 file, {@code
 * images/kit/<version>/kit.ext4}, that VMs of images without a usable init attach as a third disk.
 * Built on first need from the Debian suite of the default catalog entry, once per kit version; the
 * version is a digest of banger's scripts and the package list, so a banger with other scripts
 * builds (and uses) a kit of its own, and the files of the old one stay for the VMs that run on it.
 */
public final class GuestKits {

  /** The kit's file inside its version directory. */
  public static final String FILE = "kit.ext4";

  static final String MANIFEST = "manifest.txt";

  private static final long MIB = 1L << 20;

  private final Path dir;
  private final Path staging;
  private final Ext4Toolkit ext4;
  private final KitPackages packages;
  private final Supplier<CatalogEntry.Debian> suite;
  private final String version;

  /**
   * @param dir {@code images/kit}
   * @param staging a directory of the service's, removed at start-up ({@code images/.staging})
   * @param suite the Debian suite and mirror the packages come from
   */
  public GuestKits(
      Path dir,
      Path staging,
      Ext4Toolkit ext4,
      KitPackages packages,
      Supplier<CatalogEntry.Debian> suite) {
    this.dir = dir;
    this.staging = staging;
    this.ext4 = ext4;
    this.packages = packages;
    this.suite = suite;
    this.version = version();
  }

  /** The kit this banger builds: {@code 1-} and 12 hex digits of its recipe. */
  public String currentVersion() {
    return version;
  }

  /** The current kit's file, if it is built. */
  public Optional<Path> current() {
    return path(version);
  }

  /**
   * The file of kit {@code v}, if it is on this host: images keep the kit they were pulled with (a
   * restored VM must find the very kit it had mounted), while new pulls build the current one.
   */
  public Optional<Path> path(String v) {
    if (v == null || !v.matches("1-[0-9a-f]{12}")) {
      return Optional.empty();
    }
    Path f = dir.resolve(v).resolve(FILE);
    return Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS) ? Optional.of(f) : Optional.empty();
  }

  /**
   * The current kit, built now if it is not yet (stage {@code kit}). Serialised: two pulls that
   * need it build it once.
   */
  public synchronized Path ensure(StageProgress p, BooleanSupplier cancelled) throws Exception {
    Optional<Path> have = current();
    if (have.isPresent()) {
      return have.get();
    }
    Files.createDirectories(dir);
    Files.createDirectories(staging);
    Path work =
        Files.createDirectory(
            staging.resolve("kit-" + UUID.randomUUID()),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
    try {
      Path tree = Files.createDirectory(work.resolve("tree"));
      Path scratch = Files.createDirectory(work.resolve("tmp"));
      packages.fetch(suite.get(), tree, scratch, p, cancelled);
      Cancellation.check(cancelled, CANCELLED);
      KitTree.assemble(tree);
      List<String> manifest = KitTree.manifest(tree);
      Path out = Files.createDirectory(work.resolve(version));
      Path image = out.resolve(FILE);
      long size = sizeFor(tree);
      ext4.tools().mkfs(image, size, tree);
      ext4.setOwnership(ext4.open(image), rootOwned(tree));
      Files.write(out.resolve(MANIFEST), manifest, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(image, PosixFilePermissions.fromString("rw-r--r--"));
      Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rwxr-xr-x"));
      Cancellation.check(cancelled, CANCELLED);
      // A version directory without its kit (files removed by hand) would refuse the rename.
      DirectoryTrees.delete(dir.resolve(version));
      Files.move(out, dir.resolve(version), StandardCopyOption.ATOMIC_MOVE);
      p.stage(
          "kit",
          "banger's guest kit "
              + version
              + " built: "
              + manifest.size()
              + " entries, "
              + size
              + " bytes",
          0,
          0);
      return dir.resolve(version).resolve(FILE);
    } finally {
      DirectoryTrees.delete(work);
    }
  }

  /** The manifest of the current kit (empty when it is not built). */
  public List<String> manifest() throws IOException {
    Path m = dir.resolve(version).resolve(MANIFEST);
    return Files.exists(m) ? Files.readAllLines(m, StandardCharsets.UTF_8) : List.of();
  }

  private static final String CANCELLED = "the kit build was cancelled";

  /** Content plus a third, rounded up to a MiB, at least mkfs's minimum. */
  static long sizeFor(Path tree) throws IOException {
    long content = 0;
    try (var walk = Files.walk(tree)) {
      for (Path p : walk.toList()) {
        content += 4096;
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          content += Files.size(p);
        }
      }
    }
    long size = (content + content / 3 + MIB - 1) / MIB * MIB;
    return Math.max(dev.banger.ext4.E2fsTools.MIN_FS_BYTES, size + 4 * MIB);
  }

  /** Every inode root-owned with its mode: mkfs copied the service user's ownership. */
  private static List<Ownership> rootOwned(Path tree) throws IOException {
    List<Ownership> out = new ArrayList<>();
    try (var walk = Files.walk(tree)) {
      for (Path p : walk.toList()) {
        String rel = tree.relativize(p).toString();
        GuestPath g = rel.isEmpty() ? GuestPath.ROOT : GuestPath.of("/" + rel);
        int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        out.add(new Ownership(g, 0, 0, mode));
      }
    }
    return out;
  }

  /** A digest of what makes the kit: the package list and banger's scripts. */
  static String version() {
    Digest.Hasher hasher = Digest.newHasher("sha256");
    feed(hasher, String.join(",", KitPackages.PACKAGES).getBytes(StandardCharsets.UTF_8));
    for (Map.Entry<String, String> s : new java.util.TreeMap<>(KitTree.SCRIPTS).entrySet()) {
      feed(hasher, s.getValue().getBytes(StandardCharsets.UTF_8));
      try (InputStream in = GuestKits.class.getResourceAsStream(s.getKey())) {
        if (in == null) {
          throw new IllegalStateException("kit script " + s.getKey() + " is missing");
        }
        feed(hasher, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    feed(hasher, String.join(",", KitTree.APPLETS).getBytes(StandardCharsets.UTF_8));
    return "1-" + hasher.digest().hex().substring(0, 12);
  }

  private static void feed(Digest.Hasher hasher, byte[] bytes) {
    hasher.update(bytes, 0, bytes.length);
  }
}
