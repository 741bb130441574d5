package dev.banger.image.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.catalog.Catalog;
import dev.banger.image.kernel.SourceFiles;
import dev.banger.image.kernel.TestKernels;
import dev.banger.image.oci.TransportPolicy;
import dev.banger.image.ports.KernelPackages;
import dev.banger.image.store.KernelStore;
import dev.banger.image.testing.ModulesDirs;
import dev.banger.kit.config.CatalogEntryConfig;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link KernelPull} on a fake package source: the catalog entry decides the suite, the fetched
 * files are imported under the entry's name, and the work directory goes whatever happens.
 */
class KernelPullTest {

  static final String RELEASE = "6.1.0-50-amd64";

  @TempDir Path dir;
  Path kernels;
  KernelStore store;
  KernelLibrary library;
  KernelPull pull;
  final List<String> suites = new ArrayList<>();
  final List<String> stages = new ArrayList<>();
  RuntimeException failWith;

  /** Writes what Debian's package would hold into the work directory. */
  final KernelPackages packages =
      (suite, work, p, cancelled) -> {
        suites.add(suite.suite() + " " + suite.mirror());
        p.stage("bootstrap", "fake", 0, 0);
        if (failWith != null) {
          Files.writeString(work.resolve("half"), "x");
          throw failWith;
        }
        Path kernel = Files.write(work.resolve("vmlinuz-" + RELEASE), TestKernels.bzImage(RELEASE));
        Path initrd = Files.writeString(work.resolve("initrd.img-" + RELEASE), "INITRD");
        Path modules = ModulesDirs.make(work.resolve("modules"), RELEASE);
        return new KernelPackages.Fetched(kernel, initrd, modules, RELEASE);
      };

  @BeforeEach
  void setUp() throws Exception {
    kernels = Files.createDirectories(dir.resolve("state/kernels"));
    store =
        new KernelStore(
            SqliteDatabase.open(dir.resolve("state/image.db"), "image", "db/migration/image"));
    KernelImport userPaths =
        new KernelImport(
            kernels,
            new SourceFiles(List.of(dir.resolve("state")), "banger-image"),
            KernelImport.Limits.DEFAULT,
            store);
    library = new KernelLibrary(store, userPaths);
    Catalog catalog =
        Catalog.load(
            Map.of("alpine", new CatalogEntryConfig("docker.io/library/alpine:3.20", null, null)),
            TransportPolicy.secure());
    pull =
        new KernelPull(
            () -> catalog,
            packages,
            kernels,
            library,
            userPaths.withSources(new SourceFiles(List.of(), "banger-image")));
  }

  private final StageProgress progress = (stage, message, done, total) -> stages.add(stage);

  @Test
  void theEntrysSuiteIsFetchedAndImportedUnderItsName() throws Exception {
    KernelStore.KernelRow k =
        pull.run(new KernelPull.Request("debian-bookworm", ""), progress, () -> false);
    assertEquals("debian-bookworm", k.name());
    assertEquals(RELEASE, k.version());
    assertEquals(List.of("bookworm http://deb.debian.org/debian"), suites);
    assertTrue(Files.isRegularFile(Path.of(k.vmlinuxPath())));
    assertEquals("INITRD", Files.readString(Path.of(k.initrdPath())));
    assertTrue(Files.isDirectory(Path.of(k.modulesPath()).resolve("lib/modules/" + RELEASE)));
    assertEquals(
        List.of("resolve", "bootstrap", "inspect", "extract", "initrd", "modules", "publish"),
        stages.stream().distinct().toList());
    assertTrue(List.of(KernelPull.stages()).containsAll(stages));
    assertStagingEmpty();
  }

  @Test
  void aNameOfItsOwnAndAnExistingNameRefusedBeforeAnyFetch() throws Exception {
    pull.run(new KernelPull.Request("debian-bookworm", "k1"), progress, () -> false);
    ImageProblem taken =
        assertThrows(
            ImageProblem.class,
            () -> pull.run(new KernelPull.Request("debian-bookworm", "k1"), progress, () -> false));
    assertEquals("KERNEL_EXISTS", taken.reason());
    assertEquals(1, suites.size(), "no second fetch");
  }

  @Test
  void unknownAndNonDebianEntriesAreRefusedNamingTheDebianOnes() {
    ImageProblem missing =
        assertThrows(
            ImageProblem.class,
            () -> pull.run(new KernelPull.Request("debian-potato", ""), progress, () -> false));
    assertEquals(ImageProblem.Kind.NOT_FOUND, missing.kind());
    assertTrue(
        missing.getMessage().endsWith("debian entries: debian-bookworm"), missing.getMessage());
    ImageProblem oci =
        assertThrows(
            ImageProblem.class,
            () -> pull.run(new KernelPull.Request("alpine", ""), progress, () -> false));
    assertEquals("CATALOG_ENTRY_HAS_NO_KERNEL", oci.reason());
    assertEquals(List.of(), suites);
  }

  @Test
  void aFailedFetchLeavesNoWorkFilesAndNoKernel() throws Exception {
    failWith = new IllegalStateException("mirror down");
    assertThrows(
        IllegalStateException.class,
        () -> pull.run(new KernelPull.Request("debian-bookworm", ""), progress, () -> false));
    assertEquals(List.of(), store.list("", 10));
    assertStagingEmpty();
  }

  private void assertStagingEmpty() throws Exception {
    try (Stream<Path> s = Files.list(kernels.resolve(".staging"))) {
      assertEquals(List.of(), s.toList(), "the pull's work directory is gone");
    }
  }
}
