package dev.banger.image;

import com.google.protobuf.Timestamp;
import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.DeleteKernelResponse;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.GetKernelResponse;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.ListKernelsResponse;
import dev.banger.image.store.KernelStore;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import dev.banger.kit.state.DirectoryTrees;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel RPCs, which {@link ImageGrpcService} delegates to, and the pairing of a pull with a
 * kernel. One read-write lock per kernel name: an import holds the write side; a pull building an
 * image with the kernel holds the read side; delete needs the write side and refuses at once when
 * it is taken, so a kernel never vanishes under a pull that copies its modules.
 */
final class KernelRpcs {

  private static final Logger LOG = LoggerFactory.getLogger(KernelRpcs.class);
  private static final int MAX_PAGE = 500;

  private final KernelStore store;
  private final KernelImport importer;
  private final KernelRequests.Host host;
  private final OperationRegistry ops;
  private final Map<String, ReentrantReadWriteLock> locks = new ConcurrentHashMap<>();

  KernelRpcs(
      KernelStore store, KernelImport importer, KernelRequests.Host host, OperationRegistry ops) {
    this.store = store;
    this.importer = importer;
    this.host = host;
    this.ops = ops;
  }

  private ReentrantReadWriteLock lock(String name) {
    return locks.computeIfAbsent(name, n -> new ReentrantReadWriteLock());
  }

  void importKernel(ImportKernelRequest req, StreamObserver<ImportKernelResponse> obs) {
    KernelImport.Request request;
    try {
      request = KernelRequests.of(req, host);
      refuseExisting(request.name());
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<ImportKernelResponse> progress =
        new ProgressCall<>(
            ops,
            ImageServiceGrpc.getImportKernelMethod().getFullMethodName(),
            "kernels/" + request.name(),
            req.getRequestId(),
            obs,
            KernelImport.STAGES,
            p -> ImportKernelResponse.newBuilder().setProgress(p).build(),
            ImageErrors::toStatus);
    Lock lock = lock(request.name()).writeLock();
    Kernel kernel;
    try {
      lock.lock();
      try {
        refuseExisting(
            request.name()); // an import of the same name may have finished while we waited
        KernelStore.KernelRow row =
            importer.run(request, progress.listener(), progress.cancelled());
        LOG.info(
            "imported kernel {} ({}, {}) from {}",
            row.name(),
            row.version(),
            row.id(),
            request.kernel());
        kernel = toProto(row);
      } finally {
        lock.unlock();
      }
    } catch (Throwable t) {
      progress.fail(t, LOG, "import of kernel " + request.name());
      return;
    }
    // Answered once the kernel's lock is released: a client that deletes it at once must not
    // find it busy.
    progress.succeed(kernel, ImportKernelResponse.newBuilder().setKernel(kernel).build());
  }

  /**
   * No import replaces a kernel: images boot with it by id, so replacing one is a delete (with its
   * in-use check) and a new import, said out loud.
   */
  private void refuseExisting(String name) {
    store
        .find(name)
        .ifPresent(
            k -> {
              throw Errors.of(
                  Status.ALREADY_EXISTS.withDescription(
                      "kernel \""
                          + name
                          + "\" exists (release "
                          + k.version()
                          + ", id "
                          + k.id()
                          + "); delete it first or choose another name"),
                  "KERNEL_EXISTS",
                  Map.of("name", name));
            });
  }

  ListKernelsResponse list(ListKernelsRequest req) {
    int size =
        req.getPageSize() <= 0 || req.getPageSize() > MAX_PAGE ? MAX_PAGE : req.getPageSize();
    List<KernelStore.KernelRow> rows = store.list(req.getPageToken(), size + 1);
    ListKernelsResponse.Builder b = ListKernelsResponse.newBuilder();
    rows.stream().limit(size).forEach(r -> b.addKernels(toProto(r)));
    if (rows.size() > size) {
      b.setNextPageToken(rows.get(size - 1).name());
    }
    return b.build();
  }

  GetKernelResponse get(GetKernelRequest req) {
    return GetKernelResponse.newBuilder().setKernel(toProto(find(req.getKernel()))).build();
  }

  /** Idempotent like DeleteImage: a kernel that is gone already is a successful retry. */
  DeleteKernelResponse delete(DeleteKernelRequest req) {
    ImageRequests.requestId(req.getRequestId());
    if (req.getKernel().isEmpty()) {
      throw Errors.invalidArgument("kernel", "kernel (id or name) is required");
    }
    // A delete of a name that does not exist says so (a retry of a delete that succeeded gets
    // NOT_FOUND too, which a client retrying may count as done).
    var found = store.find(req.getKernel());
    if (found.isEmpty()) {
      throw Errors.notFound("kernel", req.getKernel());
    }
    Lock lock = lock(found.get().name()).writeLock();
    if (!lock.tryLock()) {
      throw Errors.of(
          Status.FAILED_PRECONDITION.withDescription(
              "kernel \""
                  + found.get().name()
                  + "\" is being"
                  + " imported, or a pull is building an image with it; try again when that ends"),
          "KERNEL_BUSY",
          Map.of("name", found.get().name()));
    }
    try {
      var now = store.find(req.getKernel());
      if (now.isPresent()) {
        List<String> images = store.imagesUsing(now.get().id());
        if (!images.isEmpty() && !req.getForce()) {
          throw Errors.of(
              Status.FAILED_PRECONDITION.withDescription(
                  "kernel \""
                      + now.get().name()
                      + "\" is the"
                      + " default kernel of image(s) "
                      + String.join(", ", images)
                      + "; delete them first, or pass force"
                      + " (they are then left with no default kernel)"),
              "KERNEL_IN_USE",
              Map.of("name", now.get().name()));
        }
        remove(now.get());
      }
    } finally {
      lock.unlock();
    }
    return DeleteKernelResponse.getDefaultInstance();
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
  static final class Pairing implements AutoCloseable {
    private final KernelStore.KernelRow kernel;
    private final Lock lock;

    private Pairing(KernelStore.KernelRow kernel, Lock lock) {
      this.kernel = kernel;
      this.lock = lock;
    }

    KernelStore.KernelRow kernel() {
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
  Pairing pair(String kernel) {
    if (kernel.isEmpty()) {
      return new Pairing(null, null);
    }
    KernelStore.KernelRow row = find(kernel);
    Lock lock = lock(row.name()).readLock();
    lock.lock();
    var now = store.find(row.id()); // deleted while we waited?
    if (now.isEmpty()) {
      lock.unlock();
      throw Errors.notFound("kernel", ImageRequests.bare(kernel));
    }
    return new Pairing(now.get(), lock);
  }

  private KernelStore.KernelRow find(String idOrName) {
    if (idOrName.isEmpty()) {
      throw Errors.invalidArgument("kernel", "kernel (id or name) is required");
    }
    return store
        .find(idOrName)
        .orElseThrow(() -> Errors.notFound("kernel", ImageRequests.bare(idOrName)));
  }

  static Kernel toProto(KernelStore.KernelRow r) {
    Kernel.Builder b =
        Kernel.newBuilder()
            .setId(r.id())
            .setName(r.name())
            .setVersion(r.version())
            .setVmlinuxPath(r.vmlinuxPath())
            .setCreateTime(
                Timestamp.newBuilder()
                    .setSeconds(r.created().getEpochSecond())
                    .setNanos(r.created().getNano()));
    if (r.bzImagePath() != null) {
      b.setBzimagePath(r.bzImagePath());
    }
    if (r.initrdPath() != null) {
      b.setInitrdPath(r.initrdPath());
    }
    if (r.modulesPath() != null) {
      b.setModulesPath(r.modulesPath());
    }
    return b.build();
  }
}
