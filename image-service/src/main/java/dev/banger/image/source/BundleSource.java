package dev.banger.image.source;

import dev.banger.image.catalog.CatalogEntry;
import dev.banger.image.flatten.LayerFlattener;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.oci.RegistryException;
import dev.banger.kit.ops.Cancellation;
import dev.banger.kit.ops.StageProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A catalog bundle: one rootfs tarball at a pinned URL. It is downloaded into the blob cache under
 * its SHA-256, exactly like a layer (hashed while it streams, published only when the digest
 * matches, resumed after an interruption, pruned by PruneCache), and only then read: nothing of a
 * tarball that fails its digest is ever unpacked. The compression is read from its bytes.
 */
public final class BundleSource extends RegistryBackedSource {

  static final long REPORT_INTERVAL_MS = 100;

  private final CatalogEntry.Bundle bundle;
  private final BlobCache cache;
  private final long maxBytes;

  /**
   * @param maxBytes the largest tarball accepted (image.max_total_bytes)
   */
  public BundleSource(
      CatalogEntry.Bundle bundle,
      Supplier<RegistryClient> clients,
      BlobCache cache,
      long maxBytes) {
    super(clients);
    this.bundle = bundle;
    this.cache = cache;
    this.maxBytes = maxBytes;
  }

  @Override
  public String kind() {
    return "catalog";
  }

  @Override
  public String origin() {
    return bundle.origin();
  }

  @Override
  public Fetched fetch(StageProgress l, BooleanSupplier cancelled) throws Exception {
    RegistryClient client = openClient();
    l.stage(
        "resolve",
        "catalog bundle " + bundle.name() + ": " + bundle.url() + " (" + bundle.sha256() + ")",
        0,
        0);
    long[] lastReport = {0};
    BlobCache.Progress progress =
        (done, total) -> {
          long now = System.nanoTime();
          if (now - lastReport[0] >= TimeUnit.MILLISECONDS.toNanos(REPORT_INTERVAL_MS)) {
            lastReport[0] = now;
            l.stage(
                "fetch",
                "downloading " + bundle.url().getHost() + ": " + done + " bytes",
                done,
                total);
          }
        };
    Path tarball = download(client, progress, cancelled);
    long size = Files.size(tarball);
    l.stage("fetch", "bundle verified: " + size + " bytes, " + bundle.sha256(), size, size);
    return new Fetched() {
      @Override
      public String digest() {
        return bundle.sha256().toString();
      }

      @Override
      public long downloadBytes() {
        return size;
      }

      @Override
      public void applyTo(
          LayerFlattener flattener, Path work, StageProgress p, BooleanSupplier cancel)
          throws Exception {
        p.stage("flatten", "applying bundle " + bundle.name(), 0, 0);
        // A bundle states no diff_id: its sha256 pins the compressed bytes already.
        CachedTarball.apply(
            flattener,
            tarball,
            "bundle " + bundle.name() + " (" + bundle.sha256() + ")",
            null,
            cancel);
      }
    };
  }

  /**
   * The download runs on its own thread so a cancel can interrupt it; the partial file stays for
   * resume.
   */
  private Path download(
      RegistryClient client, BlobCache.Progress progress, BooleanSupplier cancelled)
      throws Exception {
    CompletableFuture<Path> done = new CompletableFuture<>();
    Thread t =
        Thread.ofVirtual()
            .name("bundle-" + bundle.name())
            .start(
                () -> {
                  try {
                    done.complete(
                        cache.fetchUpTo(
                            bundle.sha256(), maxBytes, client.url(bundle.url()), progress));
                  } catch (Throwable e) {
                    done.completeExceptionally(e);
                  }
                });
    while (true) {
      if (Cancellation.requested(cancelled)) {
        t.interrupt();
        t.join(TimeUnit.SECONDS.toMillis(30));
        throw new CancellationException("the pull was cancelled");
      }
      try {
        return done.get(50, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        // poll the cancel flag again
      } catch (InterruptedException e) {
        t.interrupt();
        Thread.currentThread().interrupt();
        throw new CancellationException("the pull was interrupted");
      } catch (ExecutionException e) {
        if (e.getCause() instanceof RegistryException r) {
          throw new RegistryException(r.kind(), r.getMessage(), r);
        }
        throw e.getCause() instanceof Exception x ? x : new IllegalStateException(e.getCause());
      }
    }
  }
}
