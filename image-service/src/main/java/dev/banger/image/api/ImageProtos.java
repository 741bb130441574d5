package dev.banger.image.api;

import com.google.protobuf.Timestamp;
import dev.banger.api.image.v1.GuestBoot;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageSource;
import dev.banger.api.image.v1.Kernel;
import dev.banger.image.build.GuestCheck;
import dev.banger.image.build.ImageCommand;
import dev.banger.image.store.ImageStore;
import dev.banger.image.store.KernelStore;
import java.time.Instant;

/** The image-service's records as protos. */
final class ImageProtos {

  private ImageProtos() {}

  /**
   * @param kit the current guest kit's file, if built: named for images that boot it
   */
  static Image image(ImageStore.ImageRow r, java.util.Optional<java.nio.file.Path> kit) {
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
            .setGuestBoot(
                r.guest().boot() == GuestCheck.Boot.KIT
                    ? GuestBoot.GUEST_BOOT_KIT
                    : GuestBoot.GUEST_BOOT_SYSTEMD)
            .addAllGuestNotes(r.guest().notes())
            .setCreateTime(time(r.created()));
    if (r.guest().boot() == GuestCheck.Boot.KIT) {
      kit.ifPresent(k -> b.setKitPath(k.toString()));
    }
    ImageCommand c = r.guest().command();
    b.setCommand(
        dev.banger.api.image.v1.ImageCommand.newBuilder()
            .addAllArgv(c.argv())
            .addAllEnv(c.env())
            .setWorkingDir(c.workingDir())
            .setUser(c.user())
            .setUid((int) c.uid())
            .setGid((int) c.gid())
            .setProblem(c.problem())
            .setProgram(c.program()));
    if (r.workSeedPath() != null) {
      b.setWorkSeedPath(r.workSeedPath());
    }
    if (r.defaultKernel() != null) {
      b.setDefaultKernel(r.defaultKernel());
    }
    return b.build();
  }

  static Kernel kernel(KernelStore.KernelRow r) {
    Kernel.Builder b =
        Kernel.newBuilder()
            .setId(r.id())
            .setName(r.name())
            .setVersion(r.version())
            .setVmlinuxPath(r.vmlinuxPath())
            .setCreateTime(time(r.created()));
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

  private static Timestamp time(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }
}
