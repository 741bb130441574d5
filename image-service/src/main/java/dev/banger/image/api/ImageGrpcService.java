package dev.banger.image.api;

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
import dev.banger.image.app.ImageLibrary;
import dev.banger.image.app.ImagePromoter;
import dev.banger.image.app.ImagePulls;
import dev.banger.image.app.ImageRegistrar;
import dev.banger.image.app.KernelLibrary;
import dev.banger.image.app.KernelPull;
import dev.banger.image.app.Page;
import dev.banger.image.app.PullSources;
import dev.banger.image.kit.GuestKits;
import dev.banger.image.oci.BlobCache;
import dev.banger.image.store.ImageStore;
import dev.banger.kit.grpc.Unary;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.ops.ProgressCall;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ImageService over gRPC, thin: argument checks, proto mapping, progress streaming and domain
 * errors as statuses. The use cases are {@link ImagePulls}, {@link ImageLibrary} and, for kernels,
 * {@link KernelRpcs}.
 */
public final class ImageGrpcService extends ImageServiceGrpc.ImageServiceImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(ImageGrpcService.class);

  private final GuestKits kits;
  private final ImagePulls pulls;
  private final ImageLibrary library;
  private final KernelRpcs kernels;
  private final OperationRegistry ops;

  public ImageGrpcService(
      ImagePulls pulls,
      ImageLibrary library,
      KernelLibrary kernels,
      KernelPull kernelPull,
      GuestKits kits,
      OperationRegistry ops) {
    this.kits = kits;
    this.pulls = pulls;
    this.library = library;
    this.kernels = new KernelRpcs(kernels, kernelPull, KernelRequests.Host.SYSTEM, ops);
    this.ops = ops;
  }

  /** An image as a proto, naming the guest kit when its VMs boot it. */
  private Image image(ImageStore.ImageRow r) {
    String v = r.guest().kitVersion();
    return ImageProtos.image(r, v.isEmpty() ? kits.current() : kits.path(v));
  }

  @Override
  public void pullImage(PullImageRequest req, StreamObserver<PullImageResponse> obs) {
    ImagePulls.Order order;
    try {
      ImageRequests.requestId(req.getRequestId());
      List<String> packages = ImageRequests.packages(req.getPackagesList(), req.getName());
      PullSources.Opened opened = pulls.open(req.getReference(), req.getCredentials(), packages);
      order =
          new ImagePulls.Order(
              opened.source(),
              req.getName().isEmpty()
                  ? opened.defaultName()
                  : ImageRequests.name("name", req.getName()),
              ImageRequests.size(req.getSizeBytes()),
              req.getKernel(),
              req.getForce(),
              req.getGuestKit());
    } catch (RuntimeException e) {
      obs.onError(ImageErrors.toStatus(e));
      return;
    }
    ProgressCall<PullImageResponse> progress =
        new ProgressCall<>(
            ops,
            ImageServiceGrpc.getPullImageMethod().getFullMethodName(),
            "images/" + order.name(),
            req.getRequestId(),
            obs,
            ImagePulls.stages(order.source()).toArray(String[]::new),
            p -> PullImageResponse.newBuilder().setProgress(p).build(),
            ImageErrors::toStatus);
    try {
      Image image = image(pulls.pull(order, progress.listener(), progress.cancelled()));
      progress.succeed(image, PullImageResponse.newBuilder().setImage(image).build());
    } catch (Throwable t) {
      progress.fail(t, LOG, "pull of " + order.source().origin());
    }
  }

  @Override
  public void listImages(ListImagesRequest req, StreamObserver<ListImagesResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          Page<ImageStore.ImageRow> page =
              library.list(req.getPageToken(), Page.size(req.getPageSize()));
          ListImagesResponse.Builder b =
              ListImagesResponse.newBuilder().setNextPageToken(page.nextPageToken());
          page.rows().forEach(r -> b.addImages(image(r)));
          return b.build();
        });
  }

  @Override
  public void getImage(GetImageRequest req, StreamObserver<GetImageResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> GetImageResponse.newBuilder().setImage(image(library.find(req.getImage()))).build());
  }

  @Override
  public void deleteImage(DeleteImageRequest req, StreamObserver<DeleteImageResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          ImageRequests.requestId(req.getRequestId());
          library.delete(req.getImage(), req.getForce());
          return DeleteImageResponse.getDefaultInstance();
        });
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
          return RegisterImageResponse.newBuilder().setImage(image(library.register(r))).build();
        });
  }

  @Override
  public void promoteImage(PromoteImageRequest req, StreamObserver<PromoteImageResponse> obs) {
    ImageStore.ImageRow row;
    try {
      ImageRequests.requestId(req.getRequestId());
      row = library.find(req.getImage());
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
    try {
      // Answered once the name's lock is released, as a pull is.
      Image image = image(library.promote(row, progress.listener(), progress.cancelled()));
      progress.succeed(image, PromoteImageResponse.newBuilder().setImage(image).build());
    } catch (Throwable t) {
      progress.fail(t, LOG, "promote of " + row.name());
    }
  }

  @Override
  public void addImageReference(
      AddImageReferenceRequest req, StreamObserver<AddImageReferenceResponse> obs) {
    Unary.answer(
        obs,
        ImageErrors::toStatus,
        () -> {
          String vm = ImageRequests.vmId(req.getVmId());
          return AddImageReferenceResponse.newBuilder()
              .setImage(image(library.addReference(req.getImage(), vm)))
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
          library.removeReference(req.getImage(), ImageRequests.vmId(req.getVmId()));
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
          BlobCache.Pruned r = pulls.pruneCache();
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
  public void pullKernel(
      dev.banger.api.image.v1.PullKernelRequest req,
      StreamObserver<dev.banger.api.image.v1.PullKernelResponse> obs) {
    kernels.pullKernel(req, obs);
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
}
