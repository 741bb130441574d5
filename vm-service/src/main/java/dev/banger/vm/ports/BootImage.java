package dev.banger.vm.ports;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The image and kernel a VM boots, as image-service resolved them.
 *
 * @param kernelFile the uncompressed vmlinux when there is one (its PVH entry boots 2-3 s faster
 *     under TCG), else the bzImage
 * @param workSeedPath the image's work-seed, or empty
 * @param kit banger's guest kit and the image's command, for an image without a usable init
 *     (docs/guest-kit.md)
 */
public record BootImage(
    String imageId,
    String imageName,
    String rootfsPath,
    long rootfsSizeBytes,
    String workSeedPath,
    String kernelId,
    String kernelName,
    Path kernelFile,
    Optional<Path> initrd,
    Optional<KitBoot> kit) {

  /** An image that boots its own init. */
  public BootImage(
      String imageId,
      String imageName,
      String rootfsPath,
      long rootfsSizeBytes,
      String workSeedPath,
      String kernelId,
      String kernelName,
      Path kernelFile,
      Optional<Path> initrd) {
    this(
        imageId,
        imageName,
        rootfsPath,
        rootfsSizeBytes,
        workSeedPath,
        kernelId,
        kernelName,
        kernelFile,
        initrd,
        Optional.empty());
  }
}
