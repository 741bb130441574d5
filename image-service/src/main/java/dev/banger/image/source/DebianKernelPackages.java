package dev.banger.image.source;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.ports.KernelPackages;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.process.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Debian's kernel for a catalog suite, the way Debian installs it: mmdebstrap builds a minimal
 * system ({@code essential}) with {@code linux-image-amd64} and {@code initramfs-tools}, so apt
 * resolves the current kernel package, checks the Release signature and every package's checksum,
 * and the package's own hooks make the initrd. Of the resulting tarball only the kernel's files are
 * kept ({@link KernelTarFiles}); the rest of the system is never written to disk.
 */
public final class DebianKernelPackages implements KernelPackages {

  /** The metapackage that depends on the suite's current amd64 kernel. */
  static final String KERNEL_PACKAGE = "linux-image-amd64";

  static final long MAX_BYTES = 4L << 30;
  static final int MAX_ENTRIES = 100_000;

  private final CommandRunner runner;
  private final BootstrapModes modes;
  private final Duration timeout;

  public DebianKernelPackages(CommandRunner runner, BootstrapModes modes, Duration timeout) {
    this.runner = runner;
    this.modes = modes;
    this.timeout = timeout;
  }

  /** Every value comes from a checked catalog entry (CatalogRules), as for image recipes. */
  static List<String> argv(BootstrapMode mode, CatalogEntry.Debian suite) {
    return MmdebstrapRun.argv(mode, suite, "essential", List.of(KERNEL_PACKAGE, "initramfs-tools"));
  }

  @Override
  public Fetched fetch(
      CatalogEntry.Debian suite, Path work, StageProgress p, BooleanSupplier cancelled)
      throws Exception {
    p.stage(
        "bootstrap",
        "mmdebstrap: " + KERNEL_PACKAGE + " from " + suite.suite() + " at " + suite.mirror(),
        0,
        0);
    StderrRelay relay = new StderrRelay(p);
    Path files = Files.createDirectory(work.resolve("files"));
    Path tmp = Files.createDirectory(work.resolve("tmp"));
    AtomicReference<KernelTarFiles.Taken> taken = new AtomicReference<>();
    MmdebstrapRun.run(
        runner,
        argv(modes.choose(), suite),
        tmp,
        timeout,
        suite.name(),
        relay,
        () -> {
          relay.switchTo("unpack");
          p.stage("unpack", "taking the kernel's files from mmdebstrap's tarball", 0, 0);
        },
        cancelled,
        in -> taken.set(new KernelTarFiles(files, MAX_BYTES, MAX_ENTRIES).read(in, cancelled)));
    KernelTarFiles.Taken t = taken.get();
    p.stage(
        "unpack",
        "kernel " + t.release() + ": " + t.bytes() + " bytes of kernel, initrd and modules",
        t.bytes(),
        t.bytes());
    return new Fetched(t.kernel(), t.initrd(), t.modules(), t.release());
  }
}
