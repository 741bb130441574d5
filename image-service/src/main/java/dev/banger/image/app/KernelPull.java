package dev.banger.image.app;

import dev.banger.image.catalog.Catalog;
import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.ports.KernelPackages;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.state.DirectoryTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * {@code PullKernel}: a catalog entry's distribution kernel, fetched by {@link KernelPackages} into
 * a work directory under {@code kernels/.staging/} (so a killed pull is swept at the next start),
 * then imported as any kernel is ({@link KernelImport}: extract, initrd, modules, publish). The
 * work directory goes whatever happens.
 */
public final class KernelPull {

  /** What to pull; an empty name means the entry's. */
  public record Request(String entry, String name) {
    /** The name the kernel gets. */
    public String kernelName() {
      return name.isEmpty() ? entry : name;
    }
  }

  private final java.util.function.Supplier<Catalog> catalogs;
  private final KernelPackages packages;
  private final Path kernelsDir;
  private final KernelLibrary library;
  private final KernelImport importer;

  /**
   * @param importer the import of fetched files: its sources are the pull's own work directories,
   *     not user paths
   */
  public KernelPull(
      java.util.function.Supplier<Catalog> catalogs,
      KernelPackages packages,
      Path kernelsDir,
      KernelLibrary library,
      KernelImport importer) {
    this.catalogs = catalogs;
    this.packages = packages;
    this.kernelsDir = kernelsDir;
    this.library = library;
    this.importer = importer;
  }

  /** Every stage a pull reports, in order. */
  public static String[] stages() {
    return Stream.concat(
            Stream.of("resolve"),
            Stream.concat(Stream.of(KernelPackages.STAGES), Stream.of(KernelImport.STAGES)))
        .toArray(String[]::new);
  }

  /** The catalog entry as a Debian suite; checked before the call's progress starts. */
  public CatalogEntry.Debian suite(String entry) {
    if (entry.isEmpty()) {
      throw ImageProblem.invalid(
          "entry", "entry (a catalog name, e.g. debian-bookworm) is required");
    }
    // One snapshot for the whole call: each get() reads the config file again.
    Catalog catalog = catalogs.get();
    CatalogEntry e =
        catalog
            .find(entry)
            .orElseThrow(
                () ->
                    new ImageProblem(
                        ImageProblem.Kind.NOT_FOUND,
                        "CATALOG_ENTRY_NOT_FOUND",
                        "no catalog entry \""
                            + dev.banger.kit.text.Printable.bare(entry, 64)
                            + "\"; kernels come from the debian entries: "
                            + String.join(", ", debianNames(catalog)),
                        Map.of("entry", entry)));
    if (!(e instanceof CatalogEntry.Debian d)) {
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "CATALOG_ENTRY_HAS_NO_KERNEL",
          "catalog entry \""
              + entry
              + "\" is not a Debian suite, so it has no kernel package; kernels come from: "
              + String.join(", ", debianNames(catalog)),
          Map.of("entry", entry));
    }
    return d;
  }

  private static java.util.List<String> debianNames(Catalog catalog) {
    return catalog.names().stream()
        .filter(n -> catalog.find(n).orElseThrow() instanceof CatalogEntry.Debian)
        .toList();
  }

  public KernelStore.KernelRow run(Request req, StageProgress l, BooleanSupplier cancelled)
      throws Exception {
    CatalogEntry.Debian suite = suite(req.entry());
    String name = req.kernelName();
    library.refuseExisting(name);
    l.stage(
        "resolve",
        "catalog entry " + suite.name() + ": Debian " + suite.suite() + " from " + suite.mirror(),
        0,
        0);
    Files.createDirectories(kernelsDir.resolve(".staging"));
    Path work =
        Files.createDirectory(
            kernelsDir.resolve(".staging").resolve("pull-" + UUID.randomUUID()),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      KernelPackages.Fetched f = packages.fetch(suite, work, l, cancelled);
      Cancellation.check(cancelled, "the kernel pull was cancelled");
      return library.importKernel(
          new KernelImport.Request(name, f.kernel(), f.initrd(), f.modules()),
          importer,
          l,
          cancelled);
    } finally {
      DirectoryTrees.delete(work);
    }
  }
}
