package dev.banger.image.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.image.kernel.KernelLimits;
import dev.banger.image.kernel.KernelSourceException;
import dev.banger.image.kernel.ModulesTree;
import dev.banger.image.kernel.SourceFiles;
import dev.banger.image.kernel.TestKernels;
import dev.banger.image.store.KernelStore;
import dev.banger.image.testing.ModulesDirs;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link KernelImport} on its own: cancellation, limits, and where the release comes from. */
class KernelImportPipelineTest {

  static final String RELEASE = "6.1.0-test-amd64";

  @TempDir Path dir;
  Path kernels;
  KernelStore store;
  SourceFiles files;

  @BeforeEach
  void setUp() throws Exception {
    kernels = Files.createDirectories(dir.resolve("state/kernels"));
    store =
        new KernelStore(
            SqliteDatabase.open(dir.resolve("state/image.db"), "image", "db/migration/image"));
    files = new SourceFiles(List.of(dir.resolve("state")), "banger-image");
  }

  private KernelImport importer(KernelImport.Limits limits) {
    return new KernelImport(kernels, files, limits, store);
  }

  private Path bzImage() throws Exception {
    return Files.write(dir.resolve("vmlinuz"), TestKernels.bzImage(RELEASE));
  }

  private Path modulesWith(int files, int bytesEach) throws Exception {
    Path tree = ModulesDirs.make(dir.resolve("m"), RELEASE);
    for (int i = 0; i < files; i++) {
      Files.write(tree.resolve("kernel/drivers/m" + i + ".ko"), new byte[bytesEach]);
    }
    return tree;
  }

  private void assertNothingLeft() throws Exception {
    try (Stream<Path> s = Files.walk(kernels)) {
      assertEquals(
          List.of(kernels, kernels.resolve(".staging")),
          s.sorted().toList(),
          "only the empty staging dir");
    }
    assertEquals(List.of(), store.all());
  }

  @Test
  void cancellingWhileModulesAreCopiedLeavesNothing() throws Exception {
    Path modules =
        modulesWith(
            40, 1 << 20); // 40 MiB: past the 32 MiB progress step, so the listener fires mid-copy
    AtomicBoolean cancel = new AtomicBoolean();
    List<String> seen = new java.util.ArrayList<>();
    StageProgress listener =
        (stage, message, done, total) -> {
          seen.add(stage + ":" + done);
          if (stage.equals("modules") && done > 0) {
            cancel.set(true); // what the gRPC cancel handler does
          }
        };
    assertThrows(
        CancellationException.class,
        () ->
            importer(KernelImport.Limits.DEFAULT)
                .run(
                    new KernelImport.Request("k", bzImage(), null, modules),
                    listener,
                    cancel::get));
    assertTrue(
        seen.stream().anyMatch(s -> s.startsWith("modules:") && !s.equals("modules:0")),
        seen.toString());
    assertTrue(seen.stream().noneMatch(s -> s.startsWith("publish")), seen.toString());
    assertNothingLeft();
  }

  @Test
  void cancellingBeforeExtractionLeavesNothing() throws Exception {
    AtomicBoolean cancel = new AtomicBoolean();
    StageProgress listener = (stage, message, done, total) -> cancel.set(true);
    assertThrows(
        CancellationException.class,
        () ->
            importer(KernelImport.Limits.DEFAULT)
                .run(new KernelImport.Request("k", bzImage(), null, null), listener, cancel::get));
    assertNothingLeft();
  }

  @Test
  void sizeAndEntryLimitsAreEnforced() throws Exception {
    Path bz = bzImage();
    KernelSourceException big =
        assertThrows(
            KernelSourceException.class,
            () ->
                importer(
                        new KernelImport.Limits(
                            new KernelLimits(1000, 1L << 20), 1 << 20, ModulesTree.Limits.DEFAULT))
                    .run(
                        new KernelImport.Request("k", bz, null, null),
                        (a, b, c, d) -> {},
                        () -> false));
    assertTrue(big.getMessage().contains("over the limit of 1000"), big.getMessage());
    assertNothingLeft();

    Path initrd = Files.write(dir.resolve("initrd"), new byte[4096]);
    KernelSourceException initrdBig =
        assertThrows(
            KernelSourceException.class,
            () ->
                importer(
                        new KernelImport.Limits(
                            KernelLimits.DEFAULT, 4095, ModulesTree.Limits.DEFAULT))
                    .run(
                        new KernelImport.Request("k", bz, initrd, null),
                        (a, b, c, d) -> {},
                        () -> false));
    assertEquals("initrd_path", initrdBig.field());
    assertNothingLeft();

    Path modules = modulesWith(10, 100);
    KernelSourceException entries =
        assertThrows(
            KernelSourceException.class,
            () ->
                importer(
                        new KernelImport.Limits(
                            KernelLimits.DEFAULT, 1 << 20, new ModulesTree.Limits(1 << 20, 8)))
                    .run(
                        new KernelImport.Request("k", bz, null, modules),
                        (a, b, c, d) -> {},
                        () -> false));
    assertTrue(entries.getMessage().contains("more than 8 entries"), entries.getMessage());
    KernelSourceException bytes =
        assertThrows(
            KernelSourceException.class,
            () ->
                importer(
                        new KernelImport.Limits(
                            KernelLimits.DEFAULT, 1 << 20, new ModulesTree.Limits(999, 1000)))
                    .run(
                        new KernelImport.Request("k", bz, null, modules),
                        (a, b, c, d) -> {},
                        () -> false));
    assertTrue(bytes.getMessage().contains("more than 999 bytes"), bytes.getMessage());
    assertNothingLeft();
  }

  @Test
  void theReleaseComesFromTheHeaderTheBannerOrTheModulesDirectory() throws Exception {
    KernelImport imp = importer(KernelImport.Limits.DEFAULT);
    Path bare = Files.write(dir.resolve("bare-vmlinux"), TestKernels.vmlinux());
    assertEquals(
        KernelImport.UNKNOWN_RELEASE,
        imp.run(new KernelImport.Request("bare", bare, null, null), (a, b, c, d) -> {}, () -> false)
            .version(),
        "an ELF with no banner and no modules states no release");
    Path named = ModulesDirs.make(dir.resolve("named"), "6.6.6-named");
    KernelStore.KernelRow byDir =
        imp.run(
            new KernelImport.Request("by-dir", bare, null, named), (a, b, c, d) -> {}, () -> false);
    assertEquals("6.6.6-named", byDir.version());
    assertTrue(
        Files.isRegularFile(byDir.modulesTree().orElseThrow().resolve("kernel/drivers/test.ko")));
    Path bannered = Files.write(dir.resolve("vmlinux-banner"), TestKernels.vmlinux("6.9.1-banner"));
    assertEquals(
        "6.9.1-banner",
        imp.run(
                new KernelImport.Request("banner", bannered, null, null),
                (a, b, c, d) -> {},
                () -> false)
            .version());
    KernelSourceException mismatch =
        assertThrows(
            KernelSourceException.class,
            () ->
                imp.run(
                    new KernelImport.Request("mismatch", bannered, null, named),
                    (a, b, c, d) -> {},
                    () -> false));
    assertTrue(
        mismatch
            .getMessage()
            .contains("holds the modules of kernel 6.6.6-named, but the kernel is 6.9.1-banner"),
        mismatch.getMessage());
  }
}
