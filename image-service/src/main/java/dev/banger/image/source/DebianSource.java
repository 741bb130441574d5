package dev.banger.image.source;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.process.CommandRunner;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * A catalog recipe built by mmdebstrap (docs/catalog.md). Its tar goes from mmdebstrap's stdout
 * straight into the flattener as one layer, never to a file; its stderr becomes {@code bootstrap}
 * progress.
 *
 * <p>{@code --mode=unshare} or {@code fakechroot}, as {@link BootstrapModes} chooses ({@code
 * root}/{@code auto} modes would mount in the host namespace); how a run is stopped and cleaned up
 * is {@link MmdebstrapRun}'s.
 */
public final class DebianSource implements RootfsSource {

  private final CatalogEntry.Debian recipe;
  private final CommandRunner runner;
  private final BootstrapModes modes;
  private final Duration timeout;

  /**
   * @param timeout the longest a build may take
   */
  public DebianSource(
      CatalogEntry.Debian recipe, CommandRunner runner, BootstrapModes modes, Duration timeout) {
    this.recipe = recipe;
    this.runner = runner;
    this.modes = modes;
    this.timeout = timeout;
  }

  @Override
  public String kind() {
    return "debian";
  }

  @Override
  public String origin() {
    return recipe.origin();
  }

  @Override
  public List<String> stages() {
    return List.of("resolve", "bootstrap");
  }

  /**
   * mmdebstrap's argument vector: every value comes from a checked catalog entry (CatalogRules). It
   * runs under {@code setsid}: when writing its tarball fails (a cancel, a refused entry),
   * mmdebstrap sends SIGHUP to its whole process group, which would otherwise be the JVM's.
   */
  static List<String> argv(BootstrapMode mode, CatalogEntry.Debian r) {
    return MmdebstrapRun.argv(mode, r, r.variant(), r.packages());
  }

  @Override
  public Fetched fetch(StageProgress l, BooleanSupplier cancelled) {
    l.stage(
        "resolve",
        "catalog recipe " + recipe.name() + ": " + recipe.describe() + " (" + recipe.digest() + ")",
        0,
        0);
    return new Fetched() {
      @Override
      public String digest() {
        return recipe.digest().toString();
      }

      @Override
      public long downloadBytes() {
        return 0; // apt downloads inside mmdebstrap; it does not say how much
      }

      @Override
      public void applyTo(
          LayerFlattener flattener, Path work, StageProgress p, BooleanSupplier cancel)
          throws Exception {
        build(flattener, work, p, cancel);
      }
    };
  }

  private void build(
      LayerFlattener flattener, Path work, StageProgress p, BooleanSupplier cancelled)
      throws Exception {
    BootstrapMode mode = modes.choose();
    p.stage("bootstrap", "mmdebstrap " + recipe.describe() + modeNote(mode), 0, 0);
    StderrRelay relay = new StderrRelay(p);
    MmdebstrapRun.run(
        runner,
        argv(mode, recipe),
        work,
        timeout,
        recipe.name(),
        relay,
        () -> {
          relay.switchTo("flatten");
          p.stage("flatten", "unpacking mmdebstrap's tarball", 0, 0);
        },
        cancelled,
        in -> flattener.apply(in, "mmdebstrap " + recipe.suite()));
  }

  /**
   * Said only when it is not the usual mode, so a slower or differently confined build is named.
   */
  static String modeNote(BootstrapMode mode) {
    return mode == BootstrapMode.UNSHARE ? "" : " (" + mode.flag() + " mode: no user namespace)";
  }
}
