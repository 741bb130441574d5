package dev.banger.image.app;

import dev.banger.image.oci.BlobCache;
import dev.banger.image.source.RootfsSource;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.ops.StageProgress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PullImage use case: under the name's lock, with the kernel it pairs with held, a pull is a
 * no-op retry, a refusal, or the pipeline's work, and a forced pull replaces the old image. Also
 * the blob cache's prune, which waits for no pull to be under way.
 */
public final class ImagePulls {

  private static final Logger LOG = LoggerFactory.getLogger(ImagePulls.class);

  /**
   * What to pull: the opened source, the image's name and size (0: automatic), the kernel it pairs
   * with (id or name, "" for none), and whether it replaces an image of the same name.
   */
  /**
   * @param guestKit boot its VMs on banger's guest kit whatever the image has
   */
  public record Order(
      RootfsSource source,
      String name,
      long sizeBytes,
      String kernel,
      boolean force,
      boolean guestKit) {}

  private final ImageStore store;
  private final PullSources sources;
  private final PullPipeline pipeline;
  private final KernelLibrary kernels;
  private final BlobCache cache;
  private final NameLocks locks;
  private final ImageRemoval removal;
  private final AtomicInteger underWay = new AtomicInteger();

  public ImagePulls(
      ImageStore store,
      PullSources sources,
      PullPipeline pipeline,
      KernelLibrary kernels,
      BlobCache cache,
      NameLocks locks) {
    this.store = store;
    this.sources = sources;
    this.pipeline = pipeline;
    this.kernels = kernels;
    this.cache = cache;
    this.locks = locks;
    this.removal = new ImageRemoval(store);
  }

  /**
   * What a reference names, holding nothing yet: INVALID_ARGUMENT for a malformed one, NOT_FOUND
   * for a catalog name the catalog lacks.
   */
  public PullSources.Opened open(String reference, String credentials) {
    return open(reference, credentials, List.of());
  }

  /**
   * @param packages more Debian packages for a Debian catalog recipe (names checked by the caller)
   */
  public PullSources.Opened open(String reference, String credentials, List<String> packages) {
    if (!credentials.isEmpty() && credentials.indexOf(':') < 1) {
      throw ImageProblem.invalid("credentials", "credentials must be user:password");
    }
    return sources.open(reference, credentials, packages);
  }

  /** Every stage a pull from {@code source} reports, in order. */
  public static List<String> stages(RootfsSource source) {
    return PullPipeline.stages(source);
  }

  /**
   * Pulls; closes the order's source. Returns once the name's lock and the kernel's are released: a
   * caller acting on the answer (deleting the kernel, pulling the name again) must not find them
   * still held.
   */
  public ImageStore.ImageRow pull(Order order, StageProgress l, BooleanSupplier cancelled)
      throws Exception {
    ReentrantLock lock = locks.of(order.name());
    lock.lock();
    underWay.incrementAndGet();
    try (KernelLibrary.Pairing paired = kernels.pair(order.kernel());
        RootfsSource source = order.source()) {
      return pullHeld(order, paired, l, cancelled);
    } finally {
      underWay.decrementAndGet();
      lock.unlock();
    }
  }

  /** The pull itself, under the name's lock with the kernel held: the image it leaves. */
  private ImageStore.ImageRow pullHeld(
      Order order, KernelLibrary.Pairing paired, StageProgress l, BooleanSupplier cancelled)
      throws Exception {
    RootfsSource source = order.source();
    var existing = store.find(order.name());
    if (existing.isPresent()) {
      if (!order.force()
          && existing.get().origin().equals(source.origin())
          && samePairing(existing.get(), paired)) {
        return existing.get(); // a retry, or a second pull of the same thing
      }
      if (!order.force()) {
        throw ImageRemoval.exists(existing.get());
      }
      if (existing.get().vmRefs() > 0) {
        throw ImageRemoval.inUse(existing.get());
      }
    }
    ImageStore.ImageRow row =
        pipeline.pull(
            new PullPipeline.Request(
                source,
                order.name(),
                order.sizeBytes(),
                paired.kernel(),
                existing.map(ImageStore.ImageRow::id).orElse(null),
                order.guestKit()),
            l,
            cancelled);
    existing.ifPresent(
        old -> {
          if (!old.id().equals(row.id())) {
            removal.remove(old); // force: the new row replaced the old one; its files go now
          }
        });
    LOG.info(
        "pulled {} as {} ({}): {} bytes",
        source.origin(),
        order.name(),
        row.id(),
        row.rootfsBytes());
    return row;
  }

  /** A repeated pull is "the same" when it names no kernel or the one the image already has. */
  private static boolean samePairing(ImageStore.ImageRow image, KernelLibrary.Pairing paired) {
    return paired.kernel() == null || paired.kernel().id().equals(image.defaultKernel());
  }

  /** Empties the blob cache; FAILED_PRECONDITION while a pull may be reading from it. */
  public BlobCache.Pruned pruneCache() throws java.io.IOException {
    if (underWay.get() > 0) {
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "PULL_IN_PROGRESS",
          "a pull is under way; prune the cache when it ends",
          Map.of());
    }
    return cache.prune(java.util.Set.of());
  }
}
