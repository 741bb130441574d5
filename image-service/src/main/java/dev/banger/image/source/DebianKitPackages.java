package dev.banger.image.source;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.kit.KitTree;
import dev.banger.image.ports.KitPackages;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.process.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * The kit's packages from a Debian suite: {@code mmdebstrap --variant=extract} has apt resolve them
 * and their dependencies, check the Release signature and every package's checksum, and unpack them
 * without running any maintainer script; {@link KitTree#take} keeps the few files the kit needs.
 */
public final class DebianKitPackages implements KitPackages {

  private final CommandRunner runner;
  private final BootstrapModes modes;
  private final Duration timeout;

  public DebianKitPackages(CommandRunner runner, BootstrapModes modes, Duration timeout) {
    this.runner = runner;
    this.modes = modes;
    this.timeout = timeout;
  }

  /** Every value comes from a checked catalog entry (CatalogRules). */
  static List<String> argv(BootstrapMode mode, CatalogEntry.Debian suite) {
    return MmdebstrapRun.argv(mode, suite, "extract", List.of(PACKAGES));
  }

  @Override
  public void fetch(
      CatalogEntry.Debian suite, Path tree, Path work, StageProgress p, BooleanSupplier cancelled)
      throws Exception {
    p.stage(
        "kit",
        "building banger's guest kit: mmdebstrap "
            + String.join(", ", PACKAGES)
            + " from "
            + suite.suite()
            + " at "
            + suite.mirror(),
        0,
        0);
    StderrRelay relay = new StderrRelay(p);
    relay.switchTo("kit");
    AtomicReference<KitTree.Taken> taken = new AtomicReference<>();
    MmdebstrapRun.run(
        runner,
        argv(modes.choose(), suite),
        work,
        timeout,
        suite.name(),
        relay,
        () -> {},
        cancelled,
        in -> taken.set(KitTree.take(in, tree, cancelled)));
  }
}
