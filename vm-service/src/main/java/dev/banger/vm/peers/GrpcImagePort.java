package dev.banger.vm.peers;

import dev.banger.api.image.v1.AddImageReferenceRequest;
import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.GetKernelRequest;
import dev.banger.api.image.v1.GuestBoot;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageCommand;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.RemoveImageReferenceRequest;
import dev.banger.kit.config.VmConfig;
import dev.banger.vm.app.VmProblem;
import dev.banger.vm.ports.BootImage;
import dev.banger.vm.ports.ImagePort;
import dev.banger.vm.ports.KitBoot;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ImagePort} over image-service: the image asked for or the configured default; the kernel
 * asked for, else the image's own, else the configured default, else the newest imported. A missing
 * one is NOT_FOUND with the command that would provide it.
 */
public final class GrpcImagePort implements ImagePort {

  private final PeerChannels peers;
  private final VmConfig config;

  public GrpcImagePort(PeerChannels peers, VmConfig config) {
    this.peers = peers;
    this.config = config;
  }

  @Override
  public BootImage resolve(String imageRef, String kernelRef) {
    String imageName = imageRef.isEmpty() ? config.defaultImageOrDefault() : imageRef;
    Image image;
    try {
      image =
          peers
              .image()
              .getImage(GetImageRequest.newBuilder().setImage(imageName).build())
              .getImage();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new VmProblem(
            VmProblem.Kind.NOT_FOUND,
            "IMAGE_NOT_FOUND",
            "image \""
                + imageName
                + "\" not found; pull it with 'banger image pull "
                + imageName
                + "'",
            Map.of("image", imageName));
      }
      throw e;
    }
    Kernel k = kernel(kernelRef, image);
    return new BootImage(
        image.getId(),
        image.getName(),
        image.getRootfsPath(),
        image.getRootfsSizeBytes(),
        image.getWorkSeedPath(),
        k.getId(),
        k.getName(),
        kernelFile(k),
        k.getInitrdPath().isEmpty() ? Optional.empty() : Optional.of(Path.of(k.getInitrdPath())),
        kit(image));
  }

  /** The guest kit an image's VMs attach; refused when it needs one this host has not built. */
  private static Optional<KitBoot> kit(Image image) {
    if (image.getGuestBoot() != GuestBoot.GUEST_BOOT_KIT) {
      return Optional.empty();
    }
    if (image.getKitPath().isEmpty()) {
      throw new VmProblem(
          VmProblem.Kind.FAILED_PRECONDITION,
          "GUEST_KIT_MISSING",
          "image \""
              + image.getName()
              + "\" boots banger's guest kit, which is not built on this host (its files were"
              + " removed?); pull the image again with --force, or register it again, to build it",
          Map.of("image", image.getName()));
    }
    ImageCommand c = image.getCommand();
    Optional<KitBoot.Command> command =
        c.getArgvCount() == 0 || !c.getProblem().isEmpty() || !c.getProgram().startsWith("/")
            ? Optional.empty()
            : Optional.of(
                new KitBoot.Command(
                    c.getProgram(),
                    c.getArgvList(),
                    c.getEnvList(),
                    c.getWorkingDir().isEmpty() ? "/" : c.getWorkingDir(),
                    Integer.toUnsignedLong(c.getUid()),
                    Integer.toUnsignedLong(c.getGid())));
    return Optional.of(new KitBoot(Path.of(image.getKitPath()), c.getEnvList(), command));
  }

  @Override
  public void addReference(String imageId, String vmId) {
    peers
        .image()
        .addImageReference(
            AddImageReferenceRequest.newBuilder().setImage(imageId).setVmId(vmId).build());
  }

  @Override
  public void removeReference(String imageId, String vmId) {
    peers
        .image()
        .removeImageReference(
            RemoveImageReferenceRequest.newBuilder().setImage(imageId).setVmId(vmId).build());
  }

  /** The uncompressed vmlinux when there is one: its PVH entry boots 2-3 s faster under TCG. */
  private static Path kernelFile(Kernel k) {
    String v = k.getVmlinuxPath();
    return Path.of(!v.isEmpty() && Files.isReadable(Path.of(v)) ? v : k.getBzimagePath());
  }

  private Kernel kernel(String kernelRef, Image image) {
    String ref =
        !kernelRef.isEmpty()
            ? kernelRef
            : !image.getDefaultKernel().isEmpty()
                ? image.getDefaultKernel()
                : config.defaultKernel() != null ? config.defaultKernel() : "";
    if (ref.isEmpty()) {
      return peers
          .image()
          .listKernels(ListKernelsRequest.getDefaultInstance())
          .getKernelsList()
          .stream()
          .max(
              Comparator.comparing((Kernel k) -> k.getCreateTime().getSeconds())
                  .thenComparing(Kernel::getName))
          .orElseThrow(
              () ->
                  new VmProblem(
                      VmProblem.Kind.FAILED_PRECONDITION,
                      "NO_KERNEL",
                      "no kernel is imported; import one with 'banger kernel import --from-host'",
                      Map.of()));
    }
    try {
      return peers
          .image()
          .getKernel(GetKernelRequest.newBuilder().setKernel(ref).build())
          .getKernel();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new VmProblem(
            VmProblem.Kind.NOT_FOUND,
            "KERNEL_NOT_FOUND",
            "kernel \"" + ref + "\" not found; see 'banger kernel list'",
            Map.of("kernel", ref));
      }
      throw e;
    }
  }
}
