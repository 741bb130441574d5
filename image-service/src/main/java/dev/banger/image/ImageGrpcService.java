package dev.banger.image;

import com.google.protobuf.Timestamp;
import dev.banger.api.common.v1.Progress;
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
import dev.banger.api.image.v1.PruneCacheRequest;
import dev.banger.api.image.v1.PruneCacheResponse;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.api.image.v1.RemoveImageReferenceRequest;
import dev.banger.api.image.v1.RemoveImageReferenceResponse;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.source.PullProgress;
import dev.banger.image.source.RootfsSource;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.state.DirectoryTrees;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** ImageService over gRPC: validation, one lock per image name, progress streaming. */
final class ImageGrpcService extends ImageServiceGrpc.ImageServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(ImageGrpcService.class);
  private static final int MAX_PAGE = 500;

  private final ImageStore store;
  private final PullPipeline pipeline;
  private final PullSources sources;
  private final BlobCache cache;
  private final OperationRegistry ops;
  private final Map<String, ReentrantLock> nameLocks = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger pullsUnderWay = new java.util.concurrent.atomic.AtomicInteger();

  ImageGrpcService(ImageStore store, PullPipeline pipeline, PullSources sources, BlobCache cache,
      OperationRegistry ops) {
    this.store = store;
    this.pipeline = pipeline;
    this.sources = sources;
    this.cache = cache;
    this.ops = ops;
  }

  @Override
  public void pullImage(PullImageRequest req, StreamObserver<PullImageResponse> obs) {
    ServerCallStreamObserver<PullImageResponse> call = (ServerCallStreamObserver<PullImageResponse>) obs;
    PullSources.Opened opened;
    String name;
    long size;
    try {
      ImageRequests.requestId(req.getRequestId());
      opened = sources.open(req.getReference(), req.getCredentials());
      name = req.getName().isEmpty() ? opened.defaultName() : ImageRequests.name("name", req.getName());
      size = ImageRequests.size(req.getSizeBytes());
      if (!req.getCredentials().isEmpty() && req.getCredentials().indexOf(':') < 1) {
        throw Errors.invalidArgument("credentials", "credentials must be user:password");
      }
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    AtomicBoolean cancelled = new AtomicBoolean();
    OperationRegistry.Handle op = ops.start(ImageServiceGrpc.getPullImageMethod().getFullMethodName(), "images/" + name,
        req.getRequestId());
    op.onCancel(() -> cancelled.set(true));
    call.setOnCancelHandler(() -> ops.cancel(op.id()));
    // grpc runs that handler only after this method returns (a call's callbacks are serialised);
    // the call's Context is cancelled at once, so the pull hears of it while it runs.
    io.grpc.Context.current().addListener(c -> ops.cancel(op.id()), Runnable::run);
    ReentrantLock lock = nameLocks.computeIfAbsent(name, n -> new ReentrantLock());
    lock.lock();
    pullsUnderWay.incrementAndGet();
    try (RootfsSource source = opened.source()) {
      var existing = store.find(name);
      if (existing.isPresent()) {
        if (!req.getForce() && existing.get().origin().equals(source.origin())) {
          finish(op, obs, existing.get()); // a retry, or a second pull of the same thing
          return;
        }
        if (!req.getForce()) {
          throw Errors.of(Status.ALREADY_EXISTS.withDescription("image \"" + name + "\" exists (from "
              + existing.get().origin() + "); pass force to replace it or choose another name"), "IMAGE_EXISTS",
              Map.of("name", name));
        }
        if (existing.get().vmRefs() > 0) {
          throw inUse(existing.get());
        }
      }
      List<String> stages = PullPipeline.stages(source);
      PullProgress listener = (stage, message, done, total) -> {
        Progress p = Progress.newBuilder().setStage(stage).setMessage(message).setBytesDone(done).setBytesTotal(total)
            .setStageIndex(1 + stages.indexOf(stage)).setStageCount(stages.size()).setPercent(-1).build();
        op.progress(p);
        synchronized (obs) {
          if (!call.isCancelled()) {
            obs.onNext(PullImageResponse.newBuilder().setProgress(p.toBuilder().setOperationId(op.id())).build());
          }
        }
      };
      ImageStore.ImageRow row = pipeline.pull(new PullPipeline.Request(source, name, size), listener, cancelled::get);
      existing.ifPresent(old -> {
        if (!old.id().equals(row.id())) {
          remove(old); // force: the new one is published, the old one goes
        }
      });
      LOG.info("pulled {} as {} ({}): {} bytes", source.origin(), name, row.id(), row.rootfsBytes());
      finish(op, obs, row);
    } catch (Throwable t) {
      var s = ImageErrors.toStatus(t);
      if (s.getStatus().getCode() == Status.Code.INTERNAL) {
        LOG.warn("pull of {} failed", opened.source().origin(), t);
      }
      op.fail(s.getStatus().getCode().value(), s.getStatus().getDescription(), Errors.errorInfo(s).map(i -> i.getReason()).orElse(""));
      synchronized (obs) {
        obs.onError(s);
      }
    } finally {
      pullsUnderWay.decrementAndGet();
      lock.unlock();
    }
  }

  private void finish(OperationRegistry.Handle op, StreamObserver<PullImageResponse> obs, ImageStore.ImageRow row) {
    Image image = toProto(row);
    op.succeed(image);
    synchronized (obs) {
      obs.onNext(PullImageResponse.newBuilder().setImage(image).build());
      obs.onCompleted();
    }
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
      ReentrantLock lock = nameLocks.computeIfAbsent(row.get().name(), n -> new ReentrantLock());
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
  public void addImageReference(AddImageReferenceRequest req, StreamObserver<AddImageReferenceResponse> obs) {
    Unary.answer(obs, ImageErrors::toStatus, () -> {
      String vm = ImageRequests.vmId(req.getVmId());
      ImageStore.ImageRow row = find(req.getImage());
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
  static final String NOT_YET = "is not built in this release: image-service serves OCI and catalog pulls, the image"
      + " store and the blob cache; kernel import (the bzImage-to-vmlinux extractor exists, its RPCs do not) and image"
      + " registration come next (issue #4)";

  private static void notYet(io.grpc.MethodDescriptor<?, ?> m, StreamObserver<?> obs) {
    obs.onError(Errors.unimplemented(m.getFullMethodName(), NOT_YET));
  }

  @Override
  public void registerImage(dev.banger.api.image.v1.RegisterImageRequest req,
      StreamObserver<dev.banger.api.image.v1.RegisterImageResponse> obs) {
    notYet(ImageServiceGrpc.getRegisterImageMethod(), obs);
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

  private static io.grpc.StatusRuntimeException inUse(ImageStore.ImageRow row) {
    return Errors.of(Status.FAILED_PRECONDITION.withDescription("image \"" + row.name() + "\" is used by " + row.vmRefs()
        + " VM(s); delete them first or pass force"), "IMAGE_IN_USE", Map.of("name", row.name()));
  }

  /** Row first, then files: a crash in between leaves a directory start-up removes, never a row without files. */
  private void remove(ImageStore.ImageRow row) {
    store.delete(row.id());
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
        .setVmReferences(r.vmRefs()).setDownloadBytes(r.downloadBytes())
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
