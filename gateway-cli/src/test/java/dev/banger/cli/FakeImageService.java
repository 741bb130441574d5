package dev.banger.cli;

import dev.banger.api.common.v1.Progress;
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
import dev.banger.api.image.v1.Kernel;
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
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * An ImageService double for the CLI's tests, like {@link dev.banger.cli.vm.FakeVmService}: images
 * and kernels in maps, every request recorded, progress then the result, NOT_FOUND with the real
 * service's ErrorInfo. Lists come back one item per page, so the CLI's paging is exercised.
 */
public final class FakeImageService extends ImageServiceGrpc.ImageServiceImplBase {

  public final Map<String, Image> images = new ConcurrentHashMap<>();
  public final Map<String, Kernel> kernels = new ConcurrentHashMap<>();
  public final List<Object> requests = new CopyOnWriteArrayList<>();

  public static Image image(String name, boolean managed) {
    return Image.newBuilder()
        .setId(UUID.nameUUIDFromBytes(name.getBytes()).toString())
        .setName(name)
        .setSource(managed ? ImageSource.IMAGE_SOURCE_OCI : ImageSource.IMAGE_SOURCE_REGISTERED)
        .setOrigin("docker.io/library/" + name + ":latest")
        .setRootfsSizeBytes(2L << 30)
        .setRootfsPath("/var/lib/banger/images/" + name + "/rootfs.ext4")
        .setManaged(managed)
        .build();
  }

  public static Kernel kernel(String name) {
    return Kernel.newBuilder()
        .setId(UUID.nameUUIDFromBytes(name.getBytes()).toString())
        .setName(name)
        .setVersion("6.1.0-27-amd64")
        .setVmlinuxPath("/var/lib/banger/kernels/" + name + "/vmlinux")
        .setInitrdPath("/var/lib/banger/kernels/" + name + "/initrd.img")
        .build();
  }

  private static <T> T find(Map<String, T> m, String kind, String ref) {
    T t = m.get(ref);
    if (t == null) {
      throw Errors.notFound(kind, ref);
    }
    return t;
  }

  private static <T> void unary(StreamObserver<T> obs, Supplier<T> answer) {
    try {
      T t = answer.get();
      obs.onNext(t);
      obs.onCompleted();
    } catch (StatusRuntimeException e) {
      obs.onError(e);
    }
  }

  private static Progress progress(String stage, int i, int n) {
    return Progress.newBuilder()
        .setStage(stage)
        .setMessage(stage)
        .setStageIndex(i)
        .setStageCount(n)
        .build();
  }

  @Override
  public void pullImage(PullImageRequest req, StreamObserver<PullImageResponse> obs) {
    requests.add(req);
    if (!req.getKernel().isEmpty() && !kernels.containsKey(req.getKernel())) {
      obs.onError(Errors.notFound("kernel", req.getKernel()));
      return;
    }
    if (req.getReference().equals("ghost")) {
      obs.onError(
          Errors.of(
              Status.NOT_FOUND.withDescription(
                  "the catalog has no image \"ghost\" (it has: " + "debian-bookworm)"),
              "CATALOG_ENTRY_NOT_FOUND",
              Map.of("name", "ghost")));
      return;
    }
    String name =
        req.getName().isEmpty()
            ? req.getReference().replaceAll(".*/", "").replace(':', '-')
            : req.getName();
    List<String> stages = List.of("resolve", "fetch", "flatten", "build", "publish");
    for (int i = 0; i < stages.size(); i++) {
      obs.onNext(
          PullImageResponse.newBuilder()
              .setProgress(progress(stages.get(i), i + 1, stages.size()))
              .build());
    }
    // A line of the build tool's own, as image-service relays mmdebstrap's.
    obs.onNext(
        PullImageResponse.newBuilder()
            .setProgress(
                progress("publish", 5, 5).toBuilder()
                    .setMessage("I: tool chatter")
                    .setToolOutput(true))
            .build());
    Image img =
        image(name, true).toBuilder()
            .setOrigin(req.getReference())
            .setDefaultKernel(req.getKernel())
            .build();
    images.put(name, img);
    obs.onNext(PullImageResponse.newBuilder().setImage(img).build());
    obs.onCompleted();
  }

  @Override
  public void listImages(ListImagesRequest req, StreamObserver<ListImagesResponse> obs) {
    requests.add(req);
    List<Image> sorted =
        images.values().stream()
            .sorted(Comparator.comparing(Image::getName))
            .filter(i -> i.getName().compareTo(req.getPageToken()) > 0)
            .toList();
    ListImagesResponse.Builder b = ListImagesResponse.newBuilder();
    if (!sorted.isEmpty()) {
      b.addImages(sorted.getFirst());
      if (sorted.size() > 1) {
        b.setNextPageToken(sorted.getFirst().getName());
      }
    }
    unary(obs, b::build);
  }

  @Override
  public void getImage(GetImageRequest req, StreamObserver<GetImageResponse> obs) {
    requests.add(req);
    unary(
        obs,
        () ->
            GetImageResponse.newBuilder().setImage(find(images, "image", req.getImage())).build());
  }

  @Override
  public void deleteImage(DeleteImageRequest req, StreamObserver<DeleteImageResponse> obs) {
    requests.add(req);
    unary(
        obs,
        () -> {
          Image i = find(images, "image", req.getImage());
          if (i.getVmReferences() > 0 && !req.getForce()) {
            throw Errors.of(
                Status.FAILED_PRECONDITION.withDescription(
                    "image \""
                        + i.getName()
                        + "\" is used by "
                        + i.getVmReferences()
                        + " VM(s); delete them first or pass force"),
                "IMAGE_IN_USE",
                Map.of());
          }
          images.remove(i.getName());
          return DeleteImageResponse.getDefaultInstance();
        });
  }

  @Override
  public void registerImage(RegisterImageRequest req, StreamObserver<RegisterImageResponse> obs) {
    requests.add(req);
    Image i =
        image(req.getName(), false).toBuilder()
            .setRootfsPath(req.getRootfsPath())
            .setOrigin(req.getRootfsPath())
            .build();
    images.put(req.getName(), i);
    unary(obs, () -> RegisterImageResponse.newBuilder().setImage(i).build());
  }

  @Override
  public void promoteImage(PromoteImageRequest req, StreamObserver<PromoteImageResponse> obs) {
    requests.add(req);
    try {
      Image i = find(images, "image", req.getImage());
      for (String stage : List.of("copy", "check", "seed", "publish")) {
        obs.onNext(PromoteImageResponse.newBuilder().setProgress(progress(stage, 1, 4)).build());
      }
      Image done = i.toBuilder().setManaged(true).build();
      images.put(done.getName(), done);
      obs.onNext(PromoteImageResponse.newBuilder().setImage(done).build());
      obs.onCompleted();
    } catch (StatusRuntimeException e) {
      obs.onError(e);
    }
  }

  @Override
  public void importKernel(ImportKernelRequest req, StreamObserver<ImportKernelResponse> obs) {
    requests.add(req);
    String name = req.getName().isEmpty() ? "host-6.1.0-27-amd64" : req.getName();
    obs.onNext(ImportKernelResponse.newBuilder().setProgress(progress("read", 1, 2)).build());
    Kernel k = kernel(name);
    kernels.put(name, k);
    obs.onNext(ImportKernelResponse.newBuilder().setKernel(k).build());
    obs.onCompleted();
  }

  @Override
  public void pullKernel(
      dev.banger.api.image.v1.PullKernelRequest req,
      StreamObserver<dev.banger.api.image.v1.PullKernelResponse> obs) {
    requests.add(req);
    if (!req.getEntry().startsWith("debian-")) {
      obs.onError(
          io.grpc.Status.NOT_FOUND
              .withDescription("no catalog entry \"" + req.getEntry() + "\"")
              .asRuntimeException());
      return;
    }
    String name = req.getName().isEmpty() ? req.getEntry() : req.getName();
    obs.onNext(
        dev.banger.api.image.v1.PullKernelResponse.newBuilder()
            .setProgress(progress("bootstrap", 0, 0))
            .build());
    Kernel k = kernel(name);
    kernels.put(name, k);
    obs.onNext(dev.banger.api.image.v1.PullKernelResponse.newBuilder().setKernel(k).build());
    obs.onCompleted();
  }

  @Override
  public void listKernels(ListKernelsRequest req, StreamObserver<ListKernelsResponse> obs) {
    requests.add(req);
    unary(
        obs,
        () ->
            ListKernelsResponse.newBuilder()
                .addAllKernels(
                    kernels.values().stream()
                        .sorted(Comparator.comparing(Kernel::getName))
                        .toList())
                .build());
  }

  @Override
  public void getKernel(GetKernelRequest req, StreamObserver<GetKernelResponse> obs) {
    requests.add(req);
    unary(
        obs,
        () ->
            GetKernelResponse.newBuilder()
                .setKernel(find(kernels, "kernel", req.getKernel()))
                .build());
  }

  @Override
  public void deleteKernel(DeleteKernelRequest req, StreamObserver<DeleteKernelResponse> obs) {
    requests.add(req);
    // As the real one: a name that does not exist is NOT_FOUND.
    unary(
        obs,
        () -> {
          find(kernels, "kernel", req.getKernel());
          kernels.remove(req.getKernel());
          return DeleteKernelResponse.getDefaultInstance();
        });
  }

  @Override
  public void pruneCache(PruneCacheRequest req, StreamObserver<PruneCacheResponse> obs) {
    requests.add(req);
    unary(
        obs,
        () -> PruneCacheResponse.newBuilder().setBytesFreed(300L << 20).setBlobsRemoved(7).build());
  }
}
