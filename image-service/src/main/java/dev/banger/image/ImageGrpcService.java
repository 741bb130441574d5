package dev.banger.image;

import com.google.protobuf.Timestamp;
import dev.banger.api.image.v1.AddImageReferenceRequest;
import dev.banger.api.image.v1.AddImageReferenceResponse;
import dev.banger.api.image.v1.DeleteImageRequest;
import dev.banger.api.image.v1.DeleteImageResponse;
import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.GetImageResponse;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.image.v1.ListImagesRequest;
import dev.banger.api.image.v1.ListImagesResponse;
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
import dev.banger.image.oci.ImageReference;
import dev.banger.image.oci.RegistryClient;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.state.DirectoryTrees;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ImageService over gRPC: validation, one lock per image name, progress streaming. */
final class ImageGrpcService extends ImageServiceGrpc.ImageServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(ImageGrpcService.class);
  private static final int MAX_PAGE = 500;

  private final ImageStore store;
  private final PullPipeline pipeline;
  private final Function<String, RegistryClient> clients;
  private final BlobCache cache;
  private final OperationRegistry ops;
  private final ImageRegistrar registrar;
  private final ImagePromoter promoter;
  private final Map<String, ReentrantLock> nameLocks = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger pullsUnderWay = new java.util.concurrent.atomic.AtomicInteger();

  /** @param clients a registry client per pull, given the request's credentials override ("" for none) */
  ImageGrpcService(ImageStore store, PullPipeline pipeline, Function<String, RegistryClient> clients, BlobCache cache,
      OperationRegistry ops, ImageRegistrar registrar, ImagePromoter promoter) {
    this.registrar = registrar;
    this.promoter = promoter;
    this.store = store;
    this.pipeline = pipeline;
    this.clients = clients;
    this.cache = cache;
    this.ops = ops;
  }

  @Override
  public void pullImage(PullImageRequest req, StreamObserver<PullImageResponse> obs) {
    ImageReference ref;
    String name;
    long size;
    try {
      ImageRequests.requestId(req.getRequestId());
      ref = ImageRequests.reference(req.getReference());
      name = req.getName().isEmpty() ? ImageRequests.derivedName(ref) : ImageRequests.name("name", req.getName());
      size = ImageRequests.size(req.getSizeBytes());
      if (!req.getCredentials().isEmpty() && req.getCredentials().indexOf(':') < 1) {
        throw Errors.invalidArgument("credentials", "credentials must be user:password");
      }
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<PullImageResponse> progress = new ProgressCall<>(ops,
        ImageServiceGrpc.getPullImageMethod().getFullMethodName(), "images/" + name, req.getRequestId(), obs,
        PullPipeline.STAGES, p -> PullImageResponse.newBuilder().setProgress(p).build());
    ReentrantLock lock = lockFor(name);
    lock.lock();
    pullsUnderWay.incrementAndGet();
    try (RegistryClient client = clients.apply(req.getCredentials())) {
      var existing = store.find(name);
      if (existing.isPresent()) {
        if (!req.getForce() && existing.get().origin().equals(ref.canonical())) {
          finish(progress, existing.get()); // a retry, or a second pull of the same thing
          return;
        }
        if (!req.getForce()) {
          throw exists(existing.get());
        }
        if (existing.get().vmRefs() > 0) {
          throw inUse(existing.get());
        }
      }
      ImageStore.ImageRow row = pipeline.pull(new PullPipeline.Request(ref, name, size), client,
          progress.listener()::stage, progress.cancelled());
      existing.ifPresent(old -> {
        if (!old.id().equals(row.id())) {
          remove(old); // force: the new one is published, the old one goes
        }
      });
      LOG.info("pulled {} as {} ({}): {} bytes", ref.canonical(), name, row.id(), row.rootfsBytes());
      finish(progress, row);
    } catch (Throwable t) {
      progress.fail(t, LOG, "pull of " + ref.canonical());
    } finally {
      pullsUnderWay.decrementAndGet();
      lock.unlock();
    }
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
    int size = req.getPageSize() <= 0 || req.getPageSize() > MAX_PAGE ? MAX_PAGE : req.getPageSize();
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
    Unary.answer(obs, ImageErrors::toStatus,
        () -> GetImageResponse.newBuilder().setImage(toProto(find(req.getImage()))).build());
  }

  @Override
  public void deleteImage(DeleteImageRequest req, StreamObserver<DeleteImageResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> delete(req));
  }

  private DeleteImageResponse delete(DeleteImageRequest req) {
    ImageRequests.requestId(req.getRequestId());
    if (req.getImage().isEmpty()) {
      throw Errors.invalidArgument("image", "image (id or name) is required");
    }
    var row = store.find(req.getImage());
    if (row.isPresent()) { // deleting what is gone already is a successful retry
      ReentrantLock lock = lockFor(row.get().name());
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
    }
    return DeleteImageResponse.getDefaultInstance();
  }

  @Override
  public void registerImage(RegisterImageRequest req, StreamObserver<RegisterImageResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> {
      ImageRequests.requestId(req.getRequestId());
      var r = new ImageRegistrar.Request(ImageRequests.name("name", req.getName()),
          ImageRequests.hostPath("rootfs_path", req.getRootfsPath()), req.getDefaultKernel());
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
    ProgressCall<PromoteImageResponse> progress = new ProgressCall<>(ops,
        ImageServiceGrpc.getPromoteImageMethod().getFullMethodName(), "images/" + row.name(), req.getRequestId(), obs,
        ImagePromoter.STAGES, p -> PromoteImageResponse.newBuilder().setProgress(p).build());
    ReentrantLock lock = lockFor(row.name());
    lock.lock();
    try {
      ImageStore.ImageRow now = store.find(row.id()).orElseThrow(() -> Errors.notFound("image", req.getImage()));
      ImageStore.ImageRow done = promoter.promote(now, progress.listener(), progress.cancelled());
      LOG.info("promoted {} ({}) into {}", done.name(), done.id(), done.rootfsPath());
      Image image = toProto(done);
      progress.succeed(image, PromoteImageResponse.newBuilder().setImage(image).build());
    } catch (Throwable t) {
      progress.fail(t, LOG, "promote of " + row.name());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void addImageReference(AddImageReferenceRequest req, StreamObserver<AddImageReferenceResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> {
      String vm = ImageRequests.vmId(req.getVmId());
      ImageStore.ImageRow row = find(req.getImage());
      if (!row.managed()) { // disk-service builds overlays only on bases inside banger's state
        throw Errors.of(Status.FAILED_PRECONDITION.withDescription("image \"" + row.name() + "\" is registered from "
            + row.rootfsPath() + " and not promoted; promote it (banger image promote " + row.name()
            + ") before a VM uses it"), "IMAGE_NOT_PROMOTED", Map.of("name", row.name()));
      }
      store.addReference(row.id(), vm);
      return AddImageReferenceResponse.newBuilder().setImage(toProto(store.find(row.id()).orElseThrow())).build();
    });
  }

  @Override
  public void removeImageReference(RemoveImageReferenceRequest req, StreamObserver<RemoveImageReferenceResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> {
      String vm = ImageRequests.vmId(req.getVmId());
      store.find(req.getImage()).ifPresent(row -> store.removeReference(row.id(), vm));
      return RemoveImageReferenceResponse.getDefaultInstance();
    });
  }

  @Override
  public void pruneCache(PruneCacheRequest req, StreamObserver<PruneCacheResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> {
      ImageRequests.requestId(req.getRequestId());
      if (pullsUnderWay.get() > 0) {
        throw Errors.of(Status.FAILED_PRECONDITION.withDescription("a pull is under way; prune the cache when it ends"),
            "PULL_IN_PROGRESS", Map.of());
      }
      BlobCache.Pruned r = cache.prune(java.util.Set.of());
      return PruneCacheResponse.newBuilder().setBytesFreed(r.bytesFreed()).setBlobsRemoved(r.filesRemoved()).build();
    });
  }


  /** Told to callers of what this release does not serve yet. */
  static final String NOT_YET = "is not built in this release: image-service serves OCI pulls, the image store and the"
      + " blob cache and registered images; kernel import (the bzImage-to-vmlinux extractor exists, its RPCs do not),"
      + " the catalog and the mmdebstrap default image come next (issue #4)";

  private static void notYet(io.grpc.MethodDescriptor<?, ?> m, StreamObserver<?> obs) {
    obs.onError(Errors.unimplemented(m.getFullMethodName(), NOT_YET));
  }


  @Override
  public void importKernel(dev.banger.api.image.v1.ImportKernelRequest req,
      StreamObserver<dev.banger.api.image.v1.ImportKernelResponse> obs) {
    notYet(ImageServiceGrpc.getImportKernelMethod(), obs);
  }

  @Override
  public void listKernels(dev.banger.api.image.v1.ListKernelsRequest req,
      StreamObserver<dev.banger.api.image.v1.ListKernelsResponse> obs) {
    notYet(ImageServiceGrpc.getListKernelsMethod(), obs);
  }

  @Override
  public void getKernel(dev.banger.api.image.v1.GetKernelRequest req,
      StreamObserver<dev.banger.api.image.v1.GetKernelResponse> obs) {
    notYet(ImageServiceGrpc.getGetKernelMethod(), obs);
  }

  @Override
  public void deleteKernel(dev.banger.api.image.v1.DeleteKernelRequest req,
      StreamObserver<dev.banger.api.image.v1.DeleteKernelResponse> obs) {
    notYet(ImageServiceGrpc.getDeleteKernelMethod(), obs);
  }

  private ImageStore.ImageRow find(String idOrName) {
    if (idOrName.isEmpty()) {
      throw Errors.invalidArgument("image", "image (id or name) is required");
    }
    return store.find(idOrName).orElseThrow(() -> Errors.notFound("image", idOrName));
  }

  static io.grpc.StatusRuntimeException exists(ImageStore.ImageRow row) {
    return Errors.of(Status.ALREADY_EXISTS.withDescription("image \"" + row.name() + "\" exists (from "
        + row.origin() + "); pass force to replace it or choose another name"), "IMAGE_EXISTS",
        Map.of("name", row.name()));
  }

  private static io.grpc.StatusRuntimeException inUse(ImageStore.ImageRow row) {
    return Errors.of(Status.FAILED_PRECONDITION.withDescription("image \"" + row.name() + "\" is used by " + row.vmRefs()
        + " VM(s); delete them first or pass force"), "IMAGE_IN_USE", Map.of("name", row.name()));
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
      LOG.warn("image {} forgotten but its files could not all be removed: {}", row.name(), e.toString());
    }
  }

  static Image toProto(ImageStore.ImageRow r) {
    Image.Builder b = Image.newBuilder().setId(r.id()).setName(r.name()).setSource(switch (r.source()) {
      case "oci" -> ImageSource.IMAGE_SOURCE_OCI;
      case "catalog" -> ImageSource.IMAGE_SOURCE_CATALOG;
      case "debian" -> ImageSource.IMAGE_SOURCE_DEBIAN;
      default -> ImageSource.IMAGE_SOURCE_REGISTERED;
    }).setOrigin(r.origin()).setDigest(r.digest()).setRootfsSizeBytes(r.rootfsBytes()).setRootfsPath(r.rootfsPath())
        .setVmReferences(r.vmRefs()).setDownloadBytes(r.downloadBytes()).setManaged(r.managed())
        .setCreateTime(Timestamp.newBuilder().setSeconds(r.created().getEpochSecond()).setNanos(r.created().getNano()));
    if (r.workSeedPath() != null) {
      b.setWorkSeedPath(r.workSeedPath());
    }
    if (r.defaultKernel() != null) {
      b.setDefaultKernel(r.defaultKernel());
    }
    return b.build();
  }
}
