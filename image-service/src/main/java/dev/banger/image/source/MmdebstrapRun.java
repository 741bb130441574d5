package dev.banger.image.source;

import dev.banger.image.catalog.CatalogEntry;
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
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One mmdebstrap run whose tarball (stdout) a reader consumes as it is written, never from a file:
 * the catalog image builds and the kernel pulls share it. Its stderr goes to a {@link StderrRelay}.
 *
 * <p>The mode is {@link BootstrapModes}'s choice. {@code --mode=unshare}: as root it unshares the
 * mount and pid namespaces (not the user namespace), so the proc/sys/dev mounts mmdebstrap makes
 * die with it and no mount can outlive a killed build; as another user it maps a subuid range.
 * {@code --mode=fakechroot} (an unprivileged service under its hardened unit) mounts nothing. A
 * cancel sends SIGTERM to mmdebstrap and every apt/dpkg below it at once (each cleans up, as after
 * Ctrl-C), then SIGKILL after {@link #STOP_GRACE}; TMPDIR is the caller's work directory, so
 * whatever a killed run leaves goes with it.
 */
final class MmdebstrapRun {

  static final Duration STOP_GRACE = Duration.ofSeconds(30);

  /** Reads the tarball; may stop before its end (the rest is drained). */
  interface TarReader {
    void read(InputStream tar) throws IOException;
  }

  private MmdebstrapRun() {}

  /**
   * The argument vector of a run that writes {@code suite}'s tarball to stdout with {@code variant}
   * and {@code include}: every value comes from a checked catalog entry (CatalogRules) or from
   * banger itself. Under {@code setsid}, so the SIGHUP mmdebstrap sends its process group when
   * writing fails never reaches the JVM.
   */
  static List<String> argv(
      BootstrapMode mode, CatalogEntry.Debian suite, String variant, List<String> include) {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of(
                "setsid",
                "--wait",
                "mmdebstrap",
                "--mode=" + mode.flag(),
                "--variant=" + variant,
                "--format=tar",
                "--components=" + String.join(",", suite.components())));
    if (!include.isEmpty()) {
      argv.add("--include=" + String.join(",", include));
    }
    // "--" ends the options: the suite, "-" (the tar goes to stdout) and the mirror are positional.
    argv.addAll(List.of("--", suite.suite(), "-", suite.mirror().toString()));
    return argv;
  }

  /**
   * Runs {@code argv} (under {@code setsid --wait}, which the caller puts first) and gives its
   * stdout to {@code reader}.
   *
   * @param entry the catalog name, for error messages
   * @param onFirstByte called once, when the tarball starts to flow (mmdebstrap's work is done)
   * @throws CancellationException when {@code cancelled} said so
   * @throws BootstrapException mmdebstrap missing, failed, timed out or wrote nothing
   */
  static void run(
      CommandRunner runner,
      List<String> argv,
      Path work,
      Duration timeout,
      String entry,
      StderrRelay relay,
      Runnable onFirstByte,
      BooleanSupplier cancelled,
      TarReader reader)
      throws Exception {
    Command cmd = Command.of(argv).env("TMPDIR", work.toString()).timeout(timeout).build();
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
      // The reader blocks in read() while mmdebstrap works: a cancel can only reach it by
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
      Counting in = new Counting(proc.stdout(), onFirstByte);
      IOException broken = null;
      try {
        reader.read(in);
        in.transferTo(OutputStream.nullOutputStream()); // the zero blocks after the tar's end
      } catch (IOException e) {
        broken = e; // a stopped or failed mmdebstrap ends the stream mid-tar; its exit says why
      }
      CommandResult r = finish(proc, stopped, cancelled);
      over.set(true);
      watcher.interrupt();
      if (r.exitCode() != 0) {
        throw BootstrapException.fromFailure(entry, r.exitCode(), r.stderrText());
      }
      if (broken != null) {
        throw broken;
      }
      if (in.count == 0) {
        throw new BootstrapException(
            BootstrapException.Kind.FAILED,
            "mmdebstrap exited 0 but wrote no tarball for catalog entry " + entry);
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
   * Closing it does nothing: a reader may close its tar stream at the archive's end, but mmdebstrap
   * may still be writing padding, and a closed pipe would fail it with SIGPIPE.
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
