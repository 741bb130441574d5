package dev.banger.image;

import com.google.protobuf.Timestamp;
import dev.banger.api.image.v1.AddImageReferenceRequest;
import dev.banger.api.image.v1.AddImageReferenceResponse;
import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.DeleteImageResponse;
import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.DeleteKernelResponse;
import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.GetImageResponse;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.GetKernelResponse;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.ListImagesResponse;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.ListKernelsResponse;
import dev.banger.api.image.v1.PromoteImageRequest;
import dev.banger.api.image.v1.PromoteImageResponse;
import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PruneCacheResponse;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.api.image.v1.RegisterImageRequest;
import dev.banger.api.image.v1.RegisterImageResponse;
import dev.banger.api.image.v1.RemoveImageReferenceRequest;
import dev.banger.api.image.v1.RemoveImageReferenceResponse;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.source.RootfsSource;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import dev.banger.kit.state.DirectoryTrees;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ImageService over gRPC: validation, one lock per image name, progress streaming. The kernel RPCs,
 * and the hold a pull takes on the kernel it pairs with, are {@link KernelRpcs}.
 */
final class ImageGrpcService extends ImageServiceGrpc.ImageServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(ImageGrpcService.class);
  private static final int MAX_PAGE = 500;

  private final ImageStore store;
  private final PullPipeline pipeline;
  private final PullSources sources;
  private final BlobCache cache;
  private final OperationRegistry ops;
  private final ImageRegistrar registrar;
  private final ImagePromoter promoter;
  private final KernelRpcs kernels;
  private final Map<String, ReentrantLock> nameLocks = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger pullsUnderWay =
      new java.util.concurrent.atomic.AtomicInteger();

  ImageGrpcService(
      ImageStore store,
      PullPipeline pipeline,
      PullSources sources,
      BlobCache cache,
      OperationRegistry ops,
      KernelRpcs kernels,
      ImageRegistrar registrar,
      ImagePromoter promoter) {
    this.kernels = kernels;
    this.registrar = registrar;
    this.promoter = promoter;
    this.store = store;
    this.pipeline = pipeline;
    this.sources = sources;
    this.cache = cache;
    this.ops = ops;
  }

  @Override
  public void pullImage(PullImageRequest req, StreamObserver<PullImageResponse> obs) {
    PullSources.Opened opened;
    String name;
    long size;
    try {
      ImageRequests.requestId(req.getRequestId());
      opened = sources.open(req.getReference(), req.getCredentials());
      name =
          req.getName().isEmpty()
              ? opened.defaultName()
              : ImageRequests.name("name", req.getName());
      size = ImageRequests.size(req.getSizeBytes());
      if (!req.getCredentials().isEmpty() && req.getCredentials().indexOf(':') < 1) {
        throw Errors.invalidArgument("credentials", "credentials must be user:password");
      }
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<PullImageResponse> progress =
        new ProgressCall<>(
            ops,
            ImageServiceGrpc.getPullImageMethod().getFullMethodName(),
            "images/" + name,
            req.getRequestId(),
            obs,
            PullPipeline.stages(opened.source()).toArray(String[]::new),
            p -> PullImageResponse.newBuilder().setProgress(p).build(),
            ImageErrors::toStatus);
    ReentrantLock lock = lockFor(name);
    ImageStore.ImageRow done;
    try {
      lock.lock();
      pullsUnderWay.incrementAndGet();
      try (KernelRpcs.Pairing paired = kernels.pair(req.getKernel());
          RootfsSource source = opened.source()) {
        done = pullHeld(req, name, size, source, paired, progress);
      } finally {
        pullsUnderWay.decrementAndGet();
        lock.unlock();
      }
    } catch (Throwable t) {
      progress.fail(t, LOG, "pull of " + opened.source().origin());
      return;
    }
    // Answered once the name's lock and the kernel's are released: a client acting on the answer
    // (deleting the kernel, pulling the name again) must not find them still held.
    try {
      finish(progress, done);
    } catch (RuntimeException t) {
      progress.fail(t, LOG, "pull of " + opened.source().origin());
    }
  }

  /** The pull itself, under the name's lock with the kernel held: the image it leaves. */
  private ImageStore.ImageRow pullHeld(
      PullImageRequest req,
      String name,
      long size,
      RootfsSource source,
      KernelRpcs.Pairing paired,
      ProgressCall<PullImageResponse> progress)
      throws Exception {
    var existing = store.find(name);
    if (existing.isPresent()) {
      if (!req.getForce()
          && existing.get().origin().equals(source.origin())
          && samePairing(existing.get(), paired)) {
        return existing.get(); // a retry, or a second pull of the same thing
      }
      if (!req.getForce()) {
        throw exists(existing.get());
      }
      if (existing.get().vmRefs() > 0) {
        throw inUse(existing.get());
      }
    }
    ImageStore.ImageRow row =
        pipeline.pull(
            new PullPipeline.Request(
                source,
                name,
                size,
                paired.kernel(),
                existing.map(ImageStore.ImageRow::id).orElse(null)),
            progress.listener(),
            progress.cancelled());
    existing.ifPresent(
        old -> {
          if (!old.id().equals(row.id())) {
            remove(old); // force: the new row replaced the old one; its files go now
          }
        });
    LOG.info("pulled {} as {} ({}): {} bytes", source.origin(), name, row.id(), row.rootfsBytes());
    return row;
  }

  /** A repeated pull is "the same" when it names no kernel or the one the image already has. */
  private static boolean samePairing(ImageStore.ImageRow image, KernelRpcs.Pairing paired) {
    return paired.kernel() == null || paired.kernel().id().equals(image.defaultKernel());
  }

  private static void finish(ProgressCall<PullImageResponse> progress, ImageStore.ImageRow row) {
    Image image = toProto(row);
    progress.succeed(image, PullImageResponse.newBuilder().setImage(image).build());
  }

  private ReentrantLock lockFor(String name) {
    return nameLocks.computeIfAbsent(name, n -> new ReentrantLock());
  }

  @Override
  public void listImages(ListImagesRequest req, StreamObserver<ListImagesResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> list(req));
  }

  private ListImagesResponse list(ListImagesRequest req) {
    int size =
        req.getPageSize() <= 0 || req.getPageSize() > MAX_PAGE ? MAX_PAGE : req.getPageSize();
    List<ImageStore.ImageRow> rows = store.list(req.getPageToken(), size + 1);
    ListImagesResponse.Builder b = ListImagesResponse.newBuilder();
    rows.stream().limit(size).forEach(r -> b.addImages(toProto(r)));
    if (rows.size() > size) {
      b.setNextPageToken(rows.get(size - 1).name());
    }
    return b.build();
  }

  @Override
  public void getImage(GetImageRequest req, StreamObserver<GetImageResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> GetImageResponse.newBuilder().setImage(toProto(find(req.getImage()))).build());
  }

  @Override
  public void deleteImage(DeleteImageRequest req, StreamObserver<DeleteImageResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> delete(req));
  }

  private DeleteImageResponse delete(DeleteImageRequest req) {
    ImageRequests.requestId(req.getRequestId());
    // A delete of a name that does not exist says so (a retry of a delete that succeeded gets
    // NOT_FOUND too, which a client retrying may count as done).
    ImageStore.ImageRow row = find(req.getImage());
    ReentrantLock lock = lockFor(row.name());
    lock.lock();
    try {
      var now = store.find(req.getImage());
      if (now.isPresent()) {
        if (now.get().vmRefs() > 0 && !req.getForce()) {
          throw inUse(now.get());
        }
        remove(now.get());
      }
    } finally {
      lock.unlock();
    }
    return DeleteImageResponse.getDefaultInstance();
  }

  @Override
  public void registerImage(RegisterImageRequest req, StreamObserver<RegisterImageResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          ImageRequests.requestId(req.getRequestId());
          var r =
              new ImageRegistrar.Request(
                  ImageRequests.name("name", req.getName()),
                  ImageRequests.hostPath("rootfs_path", req.getRootfsPath()),
                  req.getDefaultKernel());
          ReentrantLock lock = lockFor(r.name());
          lock.lock();
          try {
            ImageStore.ImageRow row = registrar.register(r);
            LOG.info("registered {} as {} ({})", row.rootfsPath(), row.name(), row.id());
            return RegisterImageResponse.newBuilder().setImage(toProto(row)).build();
          } finally {
            lock.unlock();
          }
        });
  }

  @Override
  public void promoteImage(PromoteImageRequest req, StreamObserver<PromoteImageResponse> obs) {
    ImageStore.ImageRow row;
    try {
      ImageRequests.requestId(req.getRequestId());
      row = find(req.getImage());
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<PromoteImageResponse> progress =
        new ProgressCall<>(
            ops,
            ImageServiceGrpc.getPromoteImageMethod().getFullMethodName(),
            "images/" + row.name(),
            req.getRequestId(),
            obs,
            ImagePromoter.STAGES,
            p -> PromoteImageResponse.newBuilder().setProgress(p).build(),
            ImageErrors::toStatus);
    ReentrantLock lock = lockFor(row.name());
    Image image;
    try {
      lock.lock();
      try {
        ImageStore.ImageRow now =
            store.find(row.id()).orElseThrow(() -> Errors.notFound("image", req.getImage()));
        ImageStore.ImageRow done = promoter.promote(now, progress.listener(), progress.cancelled());
        LOG.info("promoted {} ({}) into {}", done.name(), done.id(), done.rootfsPath());
        image = toProto(done);
      } finally {
        lock.unlock();
      }
    } catch (Throwable t) {
      progress.fail(t, LOG, "promote of " + row.name());
      return;
    }
    // Answered once the name's lock is released, as a pull is.
    progress.succeed(image, PromoteImageResponse.newBuilder().setImage(image).build());
  }

  @Override
  public void addImageReference(
      AddImageReferenceRequest req, StreamObserver<AddImageReferenceResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          String vm = ImageRequests.vmId(req.getVmId());
          ImageStore.ImageRow row = find(req.getImage());
          if (!row.managed()) { // disk-service builds overlays only on bases inside banger's state
            throw Errors.of(
                Status.FAILED_PRECONDITION.withDescription(
                    "image \""
                        + row.name()
                        + "\" is registered from "
                        + row.rootfsPath()
                        + " and not promoted; promote it (banger image promote "
                        + row.name()
                        + ") before a VM uses it"),
                "IMAGE_NOT_PROMOTED",
                Map.of("name", row.name()));
          }
          store.addReference(row.id(), vm);
          return AddImageReferenceResponse.newBuilder()
              .setImage(toProto(store.find(row.id()).orElseThrow()))
              .build();
        });
  }

  @Override
  public void removeImageReference(
      RemoveImageReferenceRequest req, StreamObserver<RemoveImageReferenceResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          String vm = ImageRequests.vmId(req.getVmId());
          store.find(req.getImage()).ifPresent(row -> store.removeReference(row.id(), vm));
          return RemoveImageReferenceResponse.getDefaultInstance();
        });
  }

  @Override
  public void pruneCache(PruneCacheRequest req, StreamObserver<PruneCacheResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          ImageRequests.requestId(req.getRequestId());
          if (pullsUnderWay.get() > 0) {
            throw Errors.of(
                Status.FAILED_PRECONDITION.withDescription(
                    "a pull is under way; prune the cache when it ends"),
                "PULL_IN_PROGRESS",
                Map.of());
          }
          BlobCache.Pruned r = cache.prune(java.util.Set.of());
          return PruneCacheResponse.newBuilder()
              .setBytesFreed(r.bytesFreed())
              .setBlobsRemoved(r.filesRemoved())
              .build();
        });
  }

  @Override
  public void importKernel(ImportKernelRequest req, StreamObserver<ImportKernelResponse> obs) {
    kernels.importKernel(req, obs);
  }

  @Override
  public void listKernels(ListKernelsRequest req, StreamObserver<ListKernelsResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> kernels.list(req));
  }

  @Override
  public void getKernel(GetKernelRequest req, StreamObserver<GetKernelResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> kernels.get(req));
  }

  @Override
  public void deleteKernel(DeleteKernelRequest req, StreamObserver<DeleteKernelResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> kernels.delete(req));
  }

  private ImageStore.ImageRow find(String idOrName) {
    if (idOrName.isEmpty()) {
      throw Errors.invalidArgument("image", "image (id or name) is required");
    }
    return store.find(idOrName).orElseThrow(() -> Errors.notFound("image", idOrName));
  }

  static io.grpc.StatusRuntimeException exists(ImageStore.ImageRow row) {
    return Errors.of(
        Status.ALREADY_EXISTS.withDescription(
            "image \""
                + row.name()
                + "\" exists (from "
                + row.origin()
                + "); pass force to replace it or choose another name"),
        "IMAGE_EXISTS",
        Map.of("name", row.name()));
  }

  private static io.grpc.StatusRuntimeException inUse(ImageStore.ImageRow row) {
    return Errors.of(
        Status.FAILED_PRECONDITION.withDescription(
            "image \""
                + row.name()
                + "\" is used by "
                + row.vmRefs()
                + " VM(s); delete them first or pass force"),
        "IMAGE_IN_USE",
        Map.of("name", row.name()));
  }

  /**
   * Row first, then files: a crash in between leaves a directory start-up removes, never a row
   * without files. A registered (unmanaged) image's file is the user's: only the row goes.
   */
  private void remove(ImageStore.ImageRow row) {
    store.delete(row.id());
    if (!row.managed()) {
      return;
    }
    try {
      DirectoryTrees.delete(Path.of(row.rootfsPath()).getParent());
    } catch (java.io.IOException e) {
      LOG.warn(
          "image {} forgotten but its files could not all be removed: {}",
          row.name(),
          e.toString());
    }
  }

  static Image toProto(ImageStore.ImageRow r) {
    Image.Builder b =
        Image.newBuilder()
            .setId(r.id())
            .setName(r.name())
            .setSource(
                switch (r.source()) {
                  case "oci" -> ImageSource.IMAGE_SOURCE_OCI;
                  case "catalog" -> ImageSource.IMAGE_SOURCE_CATALOG;
                  case "debian" -> ImageSource.IMAGE_SOURCE_DEBIAN;
                  default -> ImageSource.IMAGE_SOURCE_REGISTERED;
                })
            .setOrigin(r.origin())
            .setDigest(r.digest())
            .setRootfsSizeBytes(r.rootfsBytes())
            .setRootfsPath(r.rootfsPath())
            .setVmReferences(r.vmRefs())
            .setDownloadBytes(r.downloadBytes())
            .setManaged(r.managed())
            .setCreateTime(
                Timestamp.newBuilder()
                    .setSeconds(r.created().getEpochSecond())
                    .setNanos(r.created().getNano()));
    if (r.workSeedPath() != null) {
      b.setWorkSeedPath(r.workSeedPath());
    }
    if (r.defaultKernel() != null) {
      b.setDefaultKernel(r.defaultKernel());
    }
    return b.build();
  }
}
