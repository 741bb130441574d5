package dev.banger.image.source;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandFailedException;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.process.StreamedProcess;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A catalog recipe built by mmdebstrap (docs/catalog.md). Its tar goes from mmdebstrap's stdout
 * straight into the flattener as one layer, never to a file; its stderr becomes {@code bootstrap}
 * progress.
 *
 * <p>Always {@code --mode=unshare}: as root it unshares the mount and pid namespaces (not the user
 * namespace), so the proc/sys/dev mounts mmdebstrap makes die with it and no mount can outlive a
 * killed build under the staging directory; as banger-image it maps a subuid range. {@code
 * root}/{@code auto} modes would mount in the host namespace. A cancel sends SIGTERM to mmdebstrap
 * and every apt/dpkg below it at once (each cleans up, as after Ctrl-C), then SIGKILL after {@link
 * #STOP_GRACE}; TMPDIR is the pull's work directory, so whatever a killed run leaves goes with the
 * staging directory.
 */
public final class DebianSource implements RootfsSource {

  static final Duration STOP_GRACE = Duration.ofSeconds(30);

  private final CatalogEntry.Debian recipe;
  private final CommandRunner runner;
  private final Duration timeout;

  /**
   * @param timeout the longest a build may take
   */
  public DebianSource(CatalogEntry.Debian recipe, CommandRunner runner, Duration timeout) {
    this.recipe = recipe;
    this.runner = runner;
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
  static List<String> argv(CatalogEntry.Debian r) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "setsid",
                "--wait",
                "mmdebstrap",
                "--mode=unshare",
                "--variant=" + r.variant(),
                "--format=tar",
                "--components=" + String.join(",", r.components())));
    if (!r.packages().isEmpty()) {
      argv.add("--include=" + String.join(",", r.packages()));
    }
    // "--" ends the options: the suite, "-" (the tar goes to stdout) and the mirror are positional.
    argv.addAll(List.of("--", r.suite(), "-", r.mirror().toString()));
    return argv;
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
    Command cmd = Command.of(argv(recipe)).env("TMPDIR", work.toString()).timeout(timeout).build();
    p.stage("bootstrap", "mmdebstrap " + recipe.describe(), 0, 0);
    StderrRelay relay = new StderrRelay(p);
    StreamedProcess proc;
    try {
      proc = runner.stream(cmd, relay::line);
    } catch (CommandFailedException e) {
      throw new BootstrapException(
          e.kind() == CommandFailedException.Kind.NOT_FOUND
              ? BootstrapException.Kind.MISSING
              : BootstrapException.Kind.FAILED,
          "mmdebstrap cannot run here ("
              + e.getMessage()
              + "); install it (apt-get install mmdebstrap uidmap)");
    }
    AtomicBoolean over = new AtomicBoolean();
    AtomicBoolean stopped = new AtomicBoolean();
    try (proc) {
      // The flattener blocks in read() while mmdebstrap works: a cancel can only reach it by
      // stopping mmdebstrap, which ends the stream.
      Thread watcher =
          Thread.ofVirtual()
              .name("mmdebstrap-cancel")
              .start(
                  () -> {
                    while (!over.get()) {
                      if (cancelled.getAsBoolean()) {
                        stopped.set(true);
                        proc.stop(STOP_GRACE);
                        return;
                      }
                      try {
                        Thread.sleep(100);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      Counting in =
          new Counting(
              proc.stdout(),
              () -> {
                relay.switchTo("flatten");
                p.stage("flatten", "unpacking mmdebstrap's tarball", 0, 0);
              });
      IOException broken = null;
      try {
        flattener.apply(in, "mmdebstrap " + recipe.suite());
        in.transferTo(OutputStream.nullOutputStream()); // the zero blocks after the tar's end
      } catch (IOException e) {
        broken = e; // a stopped or failed mmdebstrap ends the stream mid-tar; its exit says why
      }
      CommandResult r = finish(proc, stopped, cancelled);
      over.set(true);
      watcher.interrupt();
      if (r.exitCode() != 0) {
        throw BootstrapException.fromFailure(recipe.name(), r.exitCode(), r.stderrText());
      }
      if (broken != null) {
        throw broken;
      }
      if (in.count == 0) {
        throw new BootstrapException(
            BootstrapException.Kind.FAILED,
            "mmdebstrap exited 0 but wrote no tarball for catalog entry " + recipe.name());
      }
    } finally {
      over.set(true);
    }
  }

  private static CommandResult finish(
      StreamedProcess proc, AtomicBoolean stopped, BooleanSupplier cancelled)
      throws BootstrapException, CommandFailedException {
    CommandResult r;
    try {
      r = proc.finish(STOP_GRACE.plusSeconds(30));
    } catch (CommandFailedException e) {
      if (stopped.get() || cancelled.getAsBoolean()) {
        throw new CancellationException("the pull was cancelled");
      }
      if (e.kind() == CommandFailedException.Kind.TIMED_OUT) {
        throw new BootstrapException(BootstrapException.Kind.TIMED_OUT, e.getMessage());
      }
      throw e;
    }
    if (stopped.get() || cancelled.getAsBoolean()) {
      throw new CancellationException("the pull was cancelled");
    }
    return r;
  }

  /**
   * Counts bytes and says when the first one arrives: the moment mmdebstrap starts writing its tar.
   * Closing it does nothing: the flattener closes its tar stream at the archive's end, but
   * mmdebstrap may still be writing padding, and a closed pipe would fail it with SIGPIPE.
   */
  private static final class Counting extends FilterInputStream {
    private final Runnable onFirst;
    long count;

    Counting(InputStream in, Runnable onFirst) {
      super(in);
      this.onFirst = onFirst;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        seen(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n > 0) {
        seen(n);
      }
      return n;
    }

    @Override
    public void close() {
      // The process owns the pipe; StreamedProcess.close releases it.
    }

    private void seen(int n) {
      if (count == 0) {
        onFirst.run();
      }
      count += n;
    }
  }
}
