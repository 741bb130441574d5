package dev.banger.vm.driver;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A QEMU guest's device and memory state to a file and back (docs/snapshots.md), through QEMU's own
 * migration over a Unix socket in the VM's run directory: QEMU 7.2 has no {@code file:} migration,
 * and {@code exec:} would run a shell. vm-service listens and writes the file when saving; QEMU
 * listens ({@code -incoming defer}, then {@code migrate-incoming}) and vm-service feeds it the file
 * when restoring. Every wait is bounded; a failure removes what it wrote.
 */
final class QemuStateTransfer {

  /** The migration stream's file in a saved-state directory. */
  static final String FILE = "qemu-state.bin";

  /**
   * Beside the state: the QEMU that wrote it (QMP {@code query-version}), since QEMU only promises
   * to load states of its own version and may fail late or oddly on another's.
   */
  static final String VERSION_FILE = "qemu-version.txt";

  /** QEMU's default bandwidth cap (128 MiB/s) would pace a local save for nothing. */
  static final long UNCAPPED = 1L << 40;

  static final Duration POLL = Duration.ofMillis(50);

  private static final java.util.concurrent.ScheduledExecutorService TIMER =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> Thread.ofPlatform().daemon().name("qemu-state-timeout").unstarted(r));
  private static final int CHUNK = 1 << 20;

  private QemuStateTransfer() {}

  /**
   * Saves the state of the QEMU on {@code qmp} to {@code file} (which must not exist) and returns
   * its size. QEMU is left in {@code postmigrate}: paused, resumable with {@code cont}.
   */
  static long save(Path qmp, Path runDir, Path file, Duration timeout, Duration qmpTimeout)
      throws DriverException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Path sock = runDir.resolve("state-out.sock");
    boolean done = false;
    Receiver receiver = null;
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      Files.deleteIfExists(sock);
      server.bind(UnixDomainSocketAddress.of(sock));
      receiver = new Receiver(server, file);
      String version;
      try (QmpClient c = QmpClient.connect(qmp, qmpTimeout)) {
        version = version(c);
        c.execute("migrate-set-parameters", QmpClient.arguments().put("max-bandwidth", UNCAPPED));
        c.execute("migrate", QmpClient.arguments().put("uri", "unix:" + sock));
        awaitOutgoing(c, deadline);
      }
      long size = receiver.received.get(remaining(deadline), TimeUnit.NANOSECONDS);
      Files.writeString(
          file.resolveSibling(VERSION_FILE),
          version + "\n",
          StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      done = true;
      return size;
    } catch (IOException e) {
      throw new DriverException("saving the VM's state to " + file + ": " + e.getMessage(), e);
    } catch (ExecutionException e) {
      throw new DriverException(
          "saving the VM's state to " + file + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new DriverException(
          "saving the VM's state took longer than " + timeout.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("saving the VM's state was interrupted", e);
    } finally {
      deleteQuietly(sock);
      if (!done) {
        cancelQuietly(qmp, qmpTimeout);
        if (receiver != null) {
          try {
            receiver.stop();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        deleteQuietly(file);
        deleteQuietly(file.resolveSibling(VERSION_FILE));
      }
    }
  }

  /** QEMU's own version and package, e.g. {@code 7.2.19 (Debian 1:7.2+dfsg-7+deb12u16)}. */
  static String version(QmpClient c) throws IOException {
    var v = c.execute("query-version");
    var q = v.path("qemu");
    String pkg = v.path("package").asText("").strip();
    return q.path("major").asInt()
        + "."
        + q.path("minor").asInt()
        + "."
        + q.path("micro").asInt()
        + (pkg.isEmpty() ? "" : " " + pkg);
  }

  /**
   * Refuses a state written by another QEMU than the one about to load it, naming both; a state
   * without a version file (saved before it was kept) is let through to QEMU's own checks.
   */
  static void requireSameVersion(QmpClient c, Path file) throws IOException, DriverException {
    Path saved = file.resolveSibling(VERSION_FILE);
    if (!Files.isRegularFile(saved)) {
      return;
    }
    String was = Files.readString(saved).strip();
    String is = version(c);
    if (!was.equals(is)) {
      throw new DriverException(
          "the saved state was written by QEMU "
              + was
              + " and this host runs QEMU "
              + is
              + "; QEMU loads only its own version's states: take a new snapshot");
    }
  }

  /**
   * Takes QEMU's one connection and writes the stream to the file (0600: it is the guest's memory),
   * synced before the size is reported. {@link #stop} ends it early and waits for it, so the file
   * can be removed after.
   */
  private static final class Receiver {
    final CompletableFuture<Long> received = new CompletableFuture<>();
    private final ServerSocketChannel server;
    private volatile SocketChannel in;
    private final Thread thread;

    Receiver(ServerSocketChannel server, Path file) {
      this.server = server;
      this.thread =
          Thread.ofVirtual()
              .name("qemu-state-save")
              .start(
                  () -> {
                    try (SocketChannel ch = server.accept();
                        FileChannel out =
                            FileChannel.open(
                                file,
                                java.util.Set.of(
                                    StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                                    java.nio.file.attribute.PosixFilePermissions.fromString(
                                        "rw-------")))) {
                      in = ch;
                      long n = copy(ch, out);
                      out.force(true);
                      received.complete(n);
                    } catch (Throwable t) {
                      received.completeExceptionally(t);
                    }
                  });
    }

    void stop() throws InterruptedException {
      closeQuietly(server);
      closeQuietly(in);
      thread.join(10_000);
    }
  }

  private static void closeQuietly(java.nio.channels.Channel c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (IOException e) {
      // closing is the point
    }
  }

  /** Polls {@code query-migrate} until QEMU says completed; failed or cancelled is an error. */
  private static void awaitOutgoing(QmpClient c, long deadline)
      throws IOException, TimeoutException, InterruptedException {
    while (true) {
      JsonNode m = c.execute("query-migrate");
      String status = m.path("status").asText("");
      switch (status) {
        case "completed" -> {
          return;
        }
        case "failed", "cancelled" ->
            throw new IOException(
                "QEMU's migration "
                    + status
                    + (m.has("error-desc") ? ": " + m.get("error-desc").asText() : ""));
        default -> {
          if (System.nanoTime() > deadline) {
            throw new TimeoutException("migration still " + status);
          }
          Thread.sleep(POLL);
        }
      }
    }
  }

  /**
   * Feeds {@code file} to a QEMU started with {@code -incoming defer} and waits until it holds the
   * restored guest, paused. A QEMU that rejects the stream (truncated, from another QEMU, another
   * machine shape) exits: that is reported as such.
   */
  /** How long a load took: feeding the file to QEMU, then QEMU finishing with it. */
  record Loaded(long feedMillis, long settleMillis) {}

  static Loaded load(
      Path qmp, Path runDir, Path file, ProcessHandle qemu, Duration timeout, Duration qmpTimeout)
      throws DriverException {
    long t0 = System.nanoTime();
    long fed = t0;
    long deadline = System.nanoTime() + timeout.toNanos();
    Path sock = runDir.resolve("state-in.sock");
    try {
      Files.deleteIfExists(sock);
      try (QmpClient c = QmpClient.connect(qmp, qmpTimeout)) {
        requireSameVersion(c, file);
        c.execute("migrate-incoming", QmpClient.arguments().put("uri", "unix:" + sock));
      }
      try (SocketChannel out = SocketChannel.open(UnixDomainSocketAddress.of(sock));
          FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        // A wedged QEMU that stops reading would block this write for ever: a timer closes the
        // channel at the deadline, which ends the write with an exception.
        java.util.concurrent.ScheduledFuture<?> timer =
            TIMER.schedule(() -> closeQuietly(out), remaining(deadline), TimeUnit.NANOSECONDS);
        try {
          copy(in, out);
          out.shutdownOutput();
          fed = System.nanoTime();
        } finally {
          timer.cancel(false);
        }
      } catch (IOException e) {
        if (exitsSoon(qemu)) {
          throw rejected(file);
        }
        throw e;
      }
      try (QmpClient c = QmpClient.connect(qmp, qmpTimeout)) {
        while (true) {
          if (!qemu.isAlive()) {
            throw rejected(file);
          }
          String status = c.execute("query-status").path("status").asText("");
          // Loaded, QEMU takes the run state the source had: snapshots are saved paused and come
          // back paused, for the caller to finish its set-up (a clone's network) and resume.
          if (status.equals("paused")) {
            return loaded(t0, fed);
          }
          if (status.equals("running")) {
            c.execute("stop");
            return loaded(t0, fed);
          }
          if (System.nanoTime() > deadline) {
            throw new DriverException(
                "the saved state was not loaded within "
                    + timeout.toSeconds()
                    + " s ("
                    + status
                    + ")");
          }
          Thread.sleep(POLL);
        }
      } catch (IOException e) {
        if (exitsSoon(qemu)) {
          throw rejected(file);
        }
        throw e;
      }
    } catch (IOException e) {
      throw new DriverException("restoring the VM's state from " + file + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DriverException("restoring the VM's state was interrupted", e);
    } finally {
      deleteQuietly(sock);
    }
  }

  private static Loaded loaded(long t0, long fed) {
    long now = System.nanoTime();
    return new Loaded((fed - t0) / 1_000_000, (now - fed) / 1_000_000);
  }

  /**
   * Whether QEMU is gone or on its way out: a QEMU that rejects the stream resets the connection
   * first and exits a moment later.
   */
  private static boolean exitsSoon(ProcessHandle qemu) throws InterruptedException {
    try {
      qemu.onExit().get(3, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return !qemu.isAlive();
    }
  }

  private static DriverException rejected(Path file) {
    return new DriverException(
        "QEMU exited while loading the saved state "
            + file
            + ": it is truncated, damaged, or from another QEMU version or VM shape");
  }

  private static long copy(
      java.nio.channels.ReadableByteChannel in, java.nio.channels.WritableByteChannel out)
      throws IOException {
    ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
    long total = 0;
    while (in.read(buf) >= 0) {
      buf.flip();
      while (buf.hasRemaining()) {
        total += out.write(buf);
      }
      buf.clear();
    }
    return total;
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.nanoTime());
  }

  /**
   * Cancels a migration under way and waits (a few seconds at most) until QEMU says it ended, so
   * the undo's {@code cont} or the next snapshot does not find it still active.
   */
  private static void cancelQuietly(Path qmp, Duration qmpTimeout) {
    try (QmpClient c = QmpClient.connect(qmp, qmpTimeout)) {
      c.execute("migrate_cancel");
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < until) {
        String status = c.execute("query-migrate").path("status").asText("none");
        if (!status.equals("active")
            && !status.equals("setup")
            && !status.equals("cancelling")
            && !status.equals("device")) {
          return;
        }
        Thread.sleep(POLL);
      }
    } catch (IOException e) {
      // the QEMU is gone or never started a migration: nothing to cancel
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      // a leftover socket is removed before the next bind; a leftover file is reported above
    }
  }
}
