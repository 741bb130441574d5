package dev.banger.vm;

import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.kit.config.VmConfig;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Comparator;
import java.util.Map;

/**
 * Finds the image and kernel a VM boots, through image-service: the image asked for or the
 * configured default; the kernel asked for, else the image's own, else the configured default,
 * else the newest imported. A missing one is NOT_FOUND with the command that would provide it.
 */
final class VmResolver {

  record Resolved(Image image, Kernel kernel) {}

  private final Peers peers;
  private final VmConfig config;

  VmResolver(Peers peers, VmConfig config) {
    this.peers = peers;
    this.config = config;
  }

  Resolved resolve(String imageRef, String kernelRef) {
    String imageName = imageRef.isEmpty() ? config.defaultImageOrDefault() : imageRef;
    Image image;
    try {
      image = peers.image().getImage(GetImageRequest.newBuilder().setImage(imageName).build()).getImage();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw Errors.of(Status.NOT_FOUND.withDescription("image \"" + imageName + "\" not found; pull it with"
            + " 'banger image pull " + imageName + "'"), "IMAGE_NOT_FOUND", Map.of("image", imageName));
      }
      throw e;
    }
    return new Resolved(image, kernel(kernelRef, image));
  }

  private Kernel kernel(String kernelRef, Image image) {
    String ref = !kernelRef.isEmpty() ? kernelRef
        : !image.getDefaultKernel().isEmpty() ? image.getDefaultKernel()
        : config.defaultKernel() != null ? config.defaultKernel() : "";
    if (ref.isEmpty()) {
      return peers.image().listKernels(ListKernelsRequest.getDefaultInstance()).getKernelsList().stream()
          .max(Comparator.comparing((Kernel k) -> k.getCreateTime().getSeconds()).thenComparing(Kernel::getName))
          .orElseThrow(() -> Errors.of(Status.FAILED_PRECONDITION.withDescription("no kernel is imported; import one"
              + " with 'banger kernel import --from-host'"), "NO_KERNEL", Map.of()));
    }
    try {
      return peers.image().getKernel(GetKernelRequest.newBuilder().setKernel(ref).build()).getKernel();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw Errors.of(Status.NOT_FOUND.withDescription("kernel \"" + ref + "\" not found; see 'banger kernel list'"),
            "KERNEL_NOT_FOUND", Map.of("kernel", ref));
      }
      throw e;
    }
  }
}
