package dev.banger.image.app;

import dev.banger.image.store.KernelStore;
import dev.banger.kit.ops.StageProgress;
import dev.banger.kit.state.DirectoryTrees;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel use cases (import, list, find, delete) and the pairing of a pull with a kernel. One
 * read-write lock per kernel name: an import holds the write side; a pull building an image with
 * the kernel holds the read side; delete needs the write side and refuses at once when it is taken,
 * so a kernel never vanishes under a pull that copies its modules.
 */
public final class KernelLibrary {

  private static final Logger LOG = LoggerFactory.getLogger(KernelLibrary.class);

  private final KernelStore store;
  private final KernelImport importer;
  private final Map<String, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();

  public KernelLibrary(KernelStore store, KernelImport importer) {
    this.store = store;
    this.importer = importer;
  }

  private ReentrantReadWriteLock lock(String name) {
    return locks.computeIfAbsent(name, n -> new ReentrantReadWriteLock());
  }

  /**
   * No import replaces a kernel: images boot with it by id, so replacing one is a delete (with its
   * in-use check) and a new import, said out loud.
   *
   * @throws ImageProblem ALREADY_EXISTS
   */
  public void refuseExisting(String name) {
    store
        .find(name)
        .ifPresent(
            k -> {
              throw new ImageProblem(
                  ImageProblem.Kind.ALREADY_EXISTS,
                  "KERNEL_EXISTS",
                  "kernel \""
                      + name
                      + "\" exists (release "
                      + k.version()
                      + ", id "
                      + k.id()
                      + "); delete it first or choose another name",
                  Map.of("name", name));
            });
  }

  /** Imports under the name's write lock; the kernel it recorded. */
  public KernelStore.KernelRow importKernel(
      KernelImport.Request request, StageProgress l, BooleanSupplier cancelled) throws Exception {
    return importKernel(request, importer, l, cancelled);
  }

  /** {@link #importKernel} by another import (a pull's, which reads its own work files). */
  KernelStore.KernelRow importKernel(
      KernelImport.Request request,
      KernelImport importer,
      StageProgress l,
      BooleanSupplier cancelled)
      throws Exception {
    Lock lock = lock(request.name()).writeLock();
    lock.lock();
    try {
      refuseExisting(request.name()); // an import of the same name may have finished meanwhile
      KernelStore.KernelRow row = importer.run(request, l, cancelled);
      LOG.info(
          "imported kernel {} ({}, {}) from {}",
          row.name(),
          row.version(),
          row.id(),
          request.kernel());
      return row;
    } finally {
      lock.unlock();
    }
  }

  /** Names sorted; {@code after} is the last name of the previous page ("" for the first). */
  public Page<KernelStore.KernelRow> list(String after, int pageSize) {
    return Page.of(store.list(after, pageSize + 1), pageSize, KernelStore.KernelRow::name);
  }

  /** By id or name; INVALID_ARGUMENT when empty, NOT_FOUND when there is none. */
  public KernelStore.KernelRow find(String idOrName) {
    if (idOrName.isEmpty()) {
      throw ImageProblem.invalid("kernel", "kernel (id or name) is required");
    }
    return store.find(idOrName).orElseThrow(() -> ImageProblem.notFound("kernel", idOrName));
  }

  /**
   * Deletes a kernel; refuses while an import or a pull holds it, and while images name it as their
   * default unless {@code force}.
   */
  public void delete(String idOrName, boolean force) {
    // A delete of a name that does not exist says so (a retry of a delete that succeeded gets
    // NOT_FOUND too, which a client retrying may count as done).
    KernelStore.KernelRow found = find(idOrName);
    Lock lock = lock(found.name()).writeLock();
    if (!lock.tryLock()) {
      throw new ImageProblem(
          ImageProblem.Kind.FAILED_PRECONDITION,
          "KERNEL_BUSY",
          "kernel \""
              + found.name()
              + "\" is being imported, or a pull is building an image with it; try again when"
              + " that ends",
          Map.of("name", found.name()));
    }
    try {
      var now = store.find(idOrName);
      if (now.isPresent()) {
        List<String> images = store.imagesUsing(now.get().id());
        if (!images.isEmpty() && !force) {
          throw new ImageProblem(
              ImageProblem.Kind.FAILED_PRECONDITION,
              "KERNEL_IN_USE",
              "kernel \""
                  + now.get().name()
                  + "\" is the default kernel of image(s) "
                  + String.join(", ", images)
                  + "; delete them first, or pass force (they are then left with no default"
                  + " kernel)",
              Map.of("name", now.get().name()));
        }
        remove(now.get());
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Row first, then files: a crash in between leaves a directory start-up removes, never a row
   * without files.
   */
  private void remove(KernelStore.KernelRow row) {
    store.delete(row.id());
    try {
      DirectoryTrees.delete(Path.of(row.vmlinuxPath()).getParent());
    } catch (IOException e) {
      LOG.warn(
          "kernel {} forgotten but its files could not all be removed: {}",
          row.name(),
          e.toString());
    }
  }

  /**
   * A pull's hold on the kernel it pairs with; {@link #kernel()} is null when it pairs with none.
   */
  public static final class Pairing implements AutoCloseable {
    private final KernelStore.KernelRow kernel;
    private final Lock lock;

    private Pairing(KernelStore.KernelRow kernel, Lock lock) {
      this.kernel = kernel;
      this.lock = lock;
    }

    public KernelStore.KernelRow kernel() {
      return kernel;
    }

    @Override
    public void close() {
      if (lock != null) {
        lock.unlock();
      }
    }
  }

  /**
   * The kernel a pull names (id or name, "" for none), held so it cannot be deleted until the pull
   * ends. NOT_FOUND when there is no such kernel, before anything is downloaded.
   */
  public Pairing pair(String kernel) {
    if (kernel.isEmpty()) {
      return new Pairing(null, null);
    }
    KernelStore.KernelRow row = find(kernel);
    Lock lock = lock(row.name()).readLock();
    lock.lock();
    var now = store.find(row.id()); // deleted while we waited?
    if (now.isEmpty()) {
      lock.unlock();
      throw ImageProblem.notFound("kernel", kernel);
    }
    return new Pairing(now.get(), lock);
  }
}
