package dev.banger.image.app;

import dev.banger.image.kernel.ElfInfo;
import dev.banger.image.kernel.KernelFile;
import dev.banger.image.kernel.KernelFormatException;
import dev.banger.image.kernel.KernelLimits;
import dev.banger.image.kernel.KernelRelease;
import dev.banger.image.kernel.ModulesTree;
import dev.banger.image.kernel.SourceFiles;
import dev.banger.image.kernel.VmlinuxExtractor;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * One kernel import, start to finish: inspect, extract, initrd, modules, publish (docs/kernels.md,
 * "Import"). Every source file is copied into {@code kernels/.staging/<id>/} before it is parsed,
 * so the parsers see a private file that cannot change under them; the kernel appears by one rename
 * and one row, or not at all.
 */
public final class KernelImport {

  public static final String[] STAGES = {"inspect", "extract", "initrd", "modules", "publish"};

  /** What to import; the paths are absolute and free of {@code ..} (see {@link KernelRequests}). */
  public record Request(String name, Path kernel, Path initrd, Path modules) {}

  /** Size bounds on what an import copies. */
  public record Limits(KernelLimits kernel, long maxInitrdBytes, ModulesTree.Limits modules) {
    public static final Limits DEFAULT =
        new Limits(KernelLimits.DEFAULT, 1L << 30, ModulesTree.Limits.DEFAULT);
  }

  /** The release recorded when neither the kernel file nor a modules directory names one. */
  static final String UNKNOWN_RELEASE = "unknown";

  private final Path kernelsDir;
  private final SourceFiles files;
  private final Limits limits;
  private final KernelStore store;

  public KernelImport(Path kernelsDir, SourceFiles files, Limits limits, KernelStore store) {
    this.kernelsDir = kernelsDir;
    this.files = files;
    this.limits = limits;
    this.store = store;
  }

  /**
   * The same import reading through other source rules: a pull's, whose files are in its own work
   * directory (inside banger's state, which the user-path rules refuse).
   */
  public KernelImport withSources(SourceFiles other) {
    return new KernelImport(kernelsDir, other, limits, store);
  }

  public KernelStore.KernelRow run(Request req, StageProgress l, BooleanSupplier cancelled)
      throws IOException {
    // Every path resolved first: a typo in the last one fails before anything is copied.
    Path kernelReal = files.resolve("kernel_path", req.kernel());
    Path initrdReal = req.initrd() == null ? null : files.resolve("initrd_path", req.initrd());
    if (req.modules() != null) {
      files.resolve("modules_path", req.modules());
    }
    String id = UUID.randomUUID().toString();
    Files.createDirectories(kernelsDir.resolve(".staging"));
    Path staging =
        Files.createDirectory(
            kernelsDir.resolve(".staging").resolve(id),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      l.stage("inspect", "reading " + SourceFiles.quoted(req.kernel()), 0, 0);
      Path copy = staging.resolve("kernel.src");
      files.copyFile(
          "kernel_path",
          req.kernel(),
          kernelReal,
          copy,
          limits.kernel().maxInputBytes(),
          cancelled);
      KernelFile kernel = inspect(copy, req.kernel());
      Optional<String> release =
          kernel instanceof KernelFile.BzImage bz
              ? KernelRelease.of(bz.header())
              : KernelRelease.fromVmlinux(copy);
      // The modules tree is checked now, before the slow extraction, so a bad one fails fast.
      ModulesTree modules = null;
      if (req.modules() != null) {
        modules =
            ModulesTree.scan(
                files, ModulesTree.locate(files, req.modules(), release), limits.modules());
      }
      String version =
          modules != null ? modules.location().release() : release.orElse(UNKNOWN_RELEASE);
      check(cancelled);

      Path vmlinux = staging.resolve("vmlinux");
      Path bzImage = null;
      if (kernel instanceof KernelFile.BzImage bz) {
        bzImage = staging.resolve("bzImage");
        Files.move(copy, bzImage);
        l.stage(
            "extract",
            "decompressing the "
                + bz.header().payloadLength()
                + "-byte payload of a "
                + version
                + " bzImage",
            0,
            0);
        ElfInfo info = extract(bzImage, vmlinux, req.kernel());
        l.stage(
            "extract",
            "vmlinux: " + Files.size(vmlinux) + " bytes, entry 0x" + Long.toHexString(info.entry()),
            0,
            0);
      } else {
        Files.move(copy, vmlinux);
        l.stage("extract", "already an ELF vmlinux: nothing to extract", 0, 0);
      }
      check(cancelled);

      Path initrd = null;
      if (initrdReal != null) {
        initrd = staging.resolve("initrd.img");
        l.stage("initrd", "copying " + SourceFiles.quoted(req.initrd()), 0, 0);
        long n =
            files.copyFile(
                "initrd_path",
                req.initrd(),
                initrdReal,
                initrd,
                limits.maxInitrdBytes(),
                cancelled);
        l.stage("initrd", "copied " + n + " bytes", n, n);
      } else {
        l.stage("initrd", "no initrd", 0, 0);
      }
      check(cancelled);

      Path modulesRoot = null;
      if (modules != null) {
        modulesRoot = staging.resolve("modules");
        Path dst =
            Files.createDirectories(modulesRoot.resolve("lib").resolve("modules")).resolve(version);
        l.stage(
            "modules",
            "copying "
                + modules.entryCount()
                + " entries, "
                + modules.totalBytes()
                + " bytes"
                + (modules.skipped().isEmpty()
                    ? ""
                    : " (leaving out the links " + modules.skipped() + ")"),
            0,
            modules.totalBytes());
        modules.copyTo(
            dst,
            (done, total, n, count) ->
                l.stage("modules", n + "/" + count + " entries", done, total),
            cancelled);
      } else {
        l.stage("modules", "no modules", 0, 0);
      }
      check(cancelled);

      l.stage("publish", "kernel " + req.name() + " (" + version + ")", 0, 0);
      return publish(
          req, id, staging, version, bzImage != null, initrd != null, modulesRoot != null);
    } finally {
      DirectoryTrees.delete(staging); // gone already when published
    }
  }

  private KernelStore.KernelRow publish(
      Request req,
      String id,
      Path staging,
      String version,
      boolean hasBzImage,
      boolean hasInitrd,
      boolean hasModules)
      throws IOException {
    Path dir = kernelsDir.resolve(id);
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    if (hasModules) {
      for (Path p :
          new Path[] {
            dir.resolve("modules"), dir.resolve("modules/lib"), dir.resolve("modules/lib/modules")
          }) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    KernelStore.KernelRow row =
        new KernelStore.KernelRow(
            id,
            req.name(),
            version,
            dir.resolve("vmlinux").toString(),
            hasBzImage ? dir.resolve("bzImage").toString() : null,
            hasInitrd ? dir.resolve("initrd.img").toString() : null,
            hasModules ? dir.resolve("modules").toString() : null,
            Instant.now());
    try {
      store.insert(row);
    } catch (RuntimeException e) {
      DirectoryTrees.delete(dir);
      throw e;
    }
    return store.find(id).orElseThrow();
  }

  /** Parses our private copy; errors name the user's file, not the copy. */
  private KernelFile inspect(Path copy, Path given) throws IOException {
    try {
      return KernelFile.inspect(copy, limits.kernel());
    } catch (KernelFormatException e) {
      throw new KernelFormatException(given, e.problem(), e.detail(), e);
    }
  }

  private ElfInfo extract(Path bzImage, Path vmlinux, Path given) throws IOException {
    try {
      return VmlinuxExtractor.extract(bzImage, vmlinux, limits.kernel());
    } catch (KernelFormatException e) {
      throw new KernelFormatException(given, e.problem(), e.detail(), e);
    }
  }

  private static void check(BooleanSupplier cancelled) {
    Cancellation.check(cancelled, "the import was cancelled");
  }
}
