package dev.banger.vm.fakes;

import dev.banger.vm.app.VmProblem;
import dev.banger.vm.ports.BootImage;
import dev.banger.vm.ports.ImagePort;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** image-service with one image, "debian" (id img-1), and the references VMs hold on it. */
public final class FakeImages implements ImagePort {

  public final Set<String> references = new TreeSet<>();
  private final FakeHost host;

  public FakeImages(FakeHost host) {
    this.host = host;
  }

  @Override
  public BootImage resolve(String imageRef, String kernelRef) {
    host.call("resolve");
    if (!imageRef.isEmpty() && !imageRef.equals("debian") && !imageRef.equals("img-1")) {
      throw new VmProblem(
          VmProblem.Kind.NOT_FOUND,
          "IMAGE_NOT_FOUND",
          "image \"" + imageRef + "\" not found",
          Map.of("image", imageRef));
    }
    return new BootImage(
        "img-1",
        "debian",
        "/images/rootfs.ext4",
        1 << 29,
        "/images/seed.ext4",
        "k-1",
        "linux",
        Path.of("/boot/vmlinux"),
        Optional.empty());
  }

  @Override
  public void addReference(String imageId, String vmId) {
    host.call("addReference");
    references.add(vmId);
  }

  @Override
  public void removeReference(String imageId, String vmId) {
    host.call("removeReference");
    references.remove(vmId);
  }
}
