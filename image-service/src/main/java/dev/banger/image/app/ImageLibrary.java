package dev.banger.image.app;

import dev.banger.image.store.ImageStore;
import dev.banger.kit.ops.StageProgress;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image use cases other than pulls: find, list, delete, register, promote, and the references
 * VMs hold on images. Every write takes the name's lock.
 */
public final class ImageLibrary {

  private static final Logger LOG = LoggerFactory.getLogger(ImageLibrary.class);

  private final ImageStore store;
  private final ImageRegistrar registrar;
  private final ImagePromoter promoter;
  private final NameLocks locks;
  private final ImageRemoval removal;

  public ImageLibrary(
      ImageStore store, ImageRegistrar registrar, ImagePromoter promoter, NameLocks locks) {
    this.store = store;
    this.registrar = registrar;
    this.promoter = promoter;
    this.locks = locks;
    this.removal = new ImageRemoval(store);
  }

  /** By id or name; INVALID_ARGUMENT when empty, NOT_FOUND when there is none. */
  public ImageStore.ImageRow find(String idOrName) {
    if (idOrName.isEmpty()) {
      throw ImageProblem.invalid("image", "image (id or name) is required");
    }
    return store.find(idOrName).orElseThrow(() -> ImageProblem.notFound("image", idOrName));
  }

  /** Names sorted; {@code after} is the last name of the previous page ("" for the first). */
  public Page<ImageStore.ImageRow> list(String after, int pageSize) {
    return Page.of(store.list(after, pageSize + 1), pageSize, ImageStore.ImageRow::name);
  }

  /** Deletes an image; refuses while VMs use it unless {@code force}. */
  public void delete(String idOrName, boolean force) {
    // A delete of a name that does not exist says so (a retry of a delete that succeeded gets
    // NOT_FOUND too, which a client retrying may count as done).
    ImageStore.ImageRow row = find(idOrName);
    ReentrantLock lock = locks.of(row.name());
    lock.lock();
    try {
      var now = store.find(idOrName);
      if (now.isPresent()) {
        if (now.get().vmRefs() > 0 && !force) {
          throw ImageRemoval.inUse(now.get());
        }
        removal.remove(now.get());
      }
    } finally {
      lock.unlock();
    }
  }

  /** Records a rootfs file the user keeps, under the name's lock. */
  public ImageStore.ImageRow register(ImageRegistrar.Request request) {
    ReentrantLock lock = locks.of(request.name());
    lock.lock();
    try {
      ImageStore.ImageRow row = registrar.register(request);
      LOG.info("registered {} as {} ({})", row.rootfsPath(), row.name(), row.id());
      return row;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Copies a registered image into banger's state, under the name's lock; {@code row} is what the
   * caller found before it started reporting progress.
   */
  public ImageStore.ImageRow promote(ImageStore.ImageRow row, StageProgress l, BooleanSupplier c)
      throws Exception {
    ReentrantLock lock = locks.of(row.name());
    lock.lock();
    try {
      ImageStore.ImageRow now =
          store.find(row.id()).orElseThrow(() -> ImageProblem.notFound("image", row.name()));
      ImageStore.ImageRow done = promoter.promote(now, l, c);
      LOG.info("promoted {} ({}) into {}", done.name(), done.id(), done.rootfsPath());
      return done;
    } finally {
      lock.unlock();
    }
  }

  /** VM {@code vmId} uses the image; only a managed image may be used (disk-service's rule). */
  public ImageStore.ImageRow addReference(String idOrName, String vmId) {
    ImageStore.ImageRow row = find(idOrName);
    if (!row.managed()) { // disk-service builds overlays only on bases inside banger's state
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "IMAGE_NOT_PROMOTED",
          "image \""
              + row.name()
              + "\" is registered from "
              + row.rootfsPath()
              + " and not promoted; promote it (banger image promote "
              + row.name()
              + ") before a VM uses it",
          Map.of("name", row.name()));
    }
    store.addReference(row.id(), vmId);
    return store.find(row.id()).orElseThrow();
  }

  /** VM {@code vmId} no longer uses the image; nothing to do when either is gone. */
  public void removeReference(String idOrName, String vmId) {
    store.find(idOrName).ifPresent(row -> store.removeReference(row.id(), vmId));
  }
}
