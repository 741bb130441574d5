package dev.banger.vm.ports;

/** What vm-service needs from image-service: what a VM boots, and the references that pin it. */
public interface ImagePort {

  /**
   * The image asked for (or the configured default) and its kernel (asked for, else the image's
   * own, else the configured default, else the newest imported).
   *
   * @throws dev.banger.vm.app.VmProblem NOT_FOUND naming the command that provides what is missing
   */
  BootImage resolve(String imageRef, String kernelRef);

  /** Pins the image under a VM: image-service then refuses to delete it. */
  void addReference(String imageId, String vmId);

  void removeReference(String imageId, String vmId);
}
