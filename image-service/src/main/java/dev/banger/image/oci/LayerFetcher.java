package dev.banger.image.oci;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Downloads an image's config and layers into a {@link BlobCache}, a few layers at a time on
 * virtual threads, reporting progress per layer.
 *
 * <p>Cancelling (the flag, or interrupting the calling thread) interrupts the downloads and waits
 * for them to stop, so when {@code fetch} returns nothing is still writing and only {@code
 * .partial} files are left; the next pull resumes them. The first failing layer cancels the others
 * the same way.
 */
public final class LayerFetcher {

  /**
   * Progress of one layer. Calls are serialised (never two at once), come at most every {@value
   * #REPORT_INTERVAL_MS} ms per layer, and once more with {@code done == total} when the layer is
   * complete (also for layers already cached).
   *
   * @param index 0-based position of the layer in the manifest
   */
  @FunctionalInterface
  public interface Listener {
    void layer(int index, int count, Digest digest, long done, long total);

    Listener NONE = (index, count, digest, done, total) -> {};
  }

  /** The files of a fetched image, layers in manifest order (oldest first). */
  public record FetchedImage(ResolvedImage image, Path config, List<Path> layers) {
    public FetchedImage {
      layers = List.copyOf(layers);
    }
  }

  static final long REPORT_INTERVAL_MS = 100;
  private static final long POLL_MS = 50;
  private static final long STOP_WAIT_S = 30;

  private final BlobCache cache;
  private final int parallelism;

  public LayerFetcher(BlobCache cache, int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    this.cache = Objects.requireNonNull(cache, "cache");
    this.parallelism = parallelism;
  }

  /** Three layers at a time, as docker does. */
  public LayerFetcher(BlobCache cache) {
    this(cache, 3);
  }

  public FetchedImage fetch(ResolvedImage image, BlobSource source, Listener listener)
      throws RegistryException {
    return fetch(image, source, listener, () -> false);
  }

  /**
   * Fetches the config, then the layers in parallel.
   *
   * @param cancelled polled while waiting; when it turns true the downloads are interrupted
   * @throws RegistryException the first layer failure, or CANCELLED
   */
  public FetchedImage fetch(
      ResolvedImage image, BlobSource source, Listener listener, BooleanSupplier cancelled)
      throws RegistryException {
    Path config = cache.fetch(image.config(), source, BlobCache.Progress.NONE);
    List<Descriptor> layers = image.layers();
    Object serial = new Object();
    Semaphore slots = new Semaphore(parallelism);
    Semaphore finished = new Semaphore(0);
    List<Future<Path>> futures = new ArrayList<>();
    ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    try {
      for (int i = 0; i < layers.size(); i++) {
        Descriptor layer = layers.get(i);
        Reporter reporter = new Reporter(listener, serial, i, layers.size(), layer);
        futures.add(
            pool.submit(
                () -> {
                  try {
                    slots.acquire();
                    try {
                      Path p = cache.fetch(layer, source, reporter::bytes);
                      reporter.complete();
                      return p;
                    } finally {
                      slots.release();
                    }
                  } finally {
                    finished.release();
                  }
                }));
      }
      return new FetchedImage(image, config, await(futures, finished, cancelled, image));
    } finally {
      stop(pool);
    }
  }

  /**
   * Waits for every layer, watching all of them: the first failure (in time, not in layer order)
   * ends the wait, as does the cancel flag or an interrupt.
   */
  private static List<Path> await(
      List<Future<Path>> futures,
      Semaphore finished,
      BooleanSupplier cancelled,
      ResolvedImage image)
      throws RegistryException {
    while (true) {
      if (cancelled.getAsBoolean()) {
        throw new RegistryException(
            RegistryException.Kind.CANCELLED, "the pull of " + image.ref() + " was cancelled");
      }
      boolean all = true;
      for (Future<Path> f : futures) {
        switch (f.state()) {
          case FAILED -> throw failure(f.exceptionNow(), image);
          case CANCELLED ->
              throw new RegistryException(
                  RegistryException.Kind.CANCELLED,
                  "the pull of " + image.ref() + " was cancelled");
          case RUNNING -> all = false;
          case SUCCESS -> {}
        }
      }
      if (all) {
        return futures.stream().map(Future::resultNow).toList();
      }
      try {
        finished.tryAcquire(POLL_MS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        throw RegistryException.interrupted("the pull of " + image.ref(), e);
      }
    }
  }

  private static RegistryException failure(Throwable c, ResolvedImage image) {
    if (c instanceof RegistryException re) {
      return new RegistryException(re.kind(), re.getMessage(), re);
    }
    if (c instanceof InterruptedException) {
      return new RegistryException(
          RegistryException.Kind.CANCELLED, "the pull of " + image.ref() + " was cancelled", c);
    }
    throw new IllegalStateException(
        "fetching a layer of " + image.ref() + " failed unexpectedly", c);
  }

  /**
   * Interrupts whatever still runs and waits for it, so no download writes after we return. Runs on
   * success too, where it finds nothing left.
   */
  private static void stop(ExecutorService pool) {
    pool.shutdownNow();
    boolean interrupted = Thread.interrupted();
    try {
      while (!pool.awaitTermination(STOP_WAIT_S, TimeUnit.SECONDS)) {
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      interrupted = true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Throttles one layer's chunk callbacks into listener calls. */
  private static final class Reporter {
    private final Listener listener;
    private final Object serial;
    private final int index;
    private final int count;
    private final Descriptor layer;
    private long lastNanos;
    private boolean reported;
    private boolean completed;

    Reporter(Listener listener, Object serial, int index, int count, Descriptor layer) {
      this.listener = listener;
      this.serial = serial;
      this.index = index;
      this.count = count;
      this.layer = layer;
    }

    void bytes(long done, long total) {
      long now = System.nanoTime();
      boolean finished = done >= total;
      if (finished ? completed : reported && now - lastNanos < REPORT_INTERVAL_MS * 1_000_000) {
        return;
      }
      reported = true;
      completed = finished;
      lastNanos = now;
      synchronized (serial) {
        listener.layer(index, count, layer.digest(), done, total);
      }
    }

    void complete() {
      bytes(layer.size(), layer.size());
    }
  }
}
