package dev.banger.image;

import static dev.banger.ext4.RealImages.assertFsckClean;
import static dev.banger.ext4.RealImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.ImportKernelResponse;
import dev.banger.api.image.v1.Kernel;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.PullImageResponse;
import dev.banger.disk.DiskServiceModule;
import dev.banger.ext4.RealImages;
import dev.banger.image.kernel.TestKernels;
import dev.banger.image.testing.ModulesDirs;
import dev.banger.image.testing.TarLayers;
import dev.banger.image.testing.TestRegistry;
import dev.banger.kit.grpc.Errors;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pulls paired with a kernel (PullImageRequest.kernel): the image records it as its default kernel,
 * the kernel's modules land in the rootfs root-owned with their modes, and the kernel cannot be
 * deleted from under the image unless forced. Real registry, real disk-service, debugfs.
 */
class KernelPairingTest {

  static final String RELEASE = "6.1.0-pair-amd64";

  @TempDir static Path dir;
  static TestRegistry registry;
  static ServiceHarness h;
  static ImageServiceGrpc.ImageServiceBlockingStub stub;
  static Kernel kernel;
  static Kernel bare;

  @BeforeAll
  static void start() throws Exception {
    registry = TestRegistry.start(Files.createDirectory(dir.resolve("registry")));
    h =
        ServiceHarness.start(
            dir.resolve("state"), new ImageServiceModule(), new DiskServiceModule());
    stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
    registry.pushImage(
        "test/plain",
        "v1",
        List.of(
            TarLayers.layer()
                .dir("etc", 0755)
                .file("etc/os", "plain", 0644, 0, 0)
                .build(TarLayers.Compression.GZIP)),
        TarLayers.Compression.GZIP.mediaType());
    // Merged /usr, as Debian 12: /lib is a link to usr/lib, and the modules must go through it.
    registry.pushImage(
        "test/merged",
        "v1",
        List.of(
            TarLayers.layer()
                .dir("usr/lib", 0755)
                .symlink("lib", "usr/lib")
                .build(TarLayers.Compression.GZIP)),
        TarLayers.Compression.GZIP.mediaType());

    Path bz = Files.write(dir.resolve("vmlinuz"), TestKernels.bzImage(RELEASE));
    Path tree = ModulesDirs.make(dir.resolve("mods"), RELEASE);
    Path ko = tree.resolve("kernel/drivers/test.ko");
    Files.setPosixFilePermissions(
        ko, PosixFilePermissions.fromString("rw----r--")); // 0604: the mode must survive
    Files.setPosixFilePermissions(
        tree.resolve("kernel/drivers"), PosixFilePermissions.fromString("rwx---r-x"));
    RealImages.check(
        dev.banger.kit.process.Command.of("chown", "1234:1234", ko.toString())
            .build()); // not root's
    kernel = importKernel("paired", bz, tree);
    bare = importKernel("bare", bz, null);
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) {
      h.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  private static Kernel importKernel(String name, Path bz, Path modules) {
    ImportKernelRequest.Builder b =
        ImportKernelRequest.newBuilder().setName(name).setKernelPath(bz.toString());
    if (modules != null) {
      b.setModulesPath(modules.toString());
    }
    List<ImportKernelResponse> out = new ArrayList<>();
    stub.importKernel(b.build()).forEachRemaining(out::add);
    return out.getLast().getKernel();
  }

  private static Image pull(String repo, String name, String kernelName) {
    List<PullImageResponse> out = new ArrayList<>();
    stub.pullImage(
            PullImageRequest.newBuilder()
                .setReference(registry.host() + "/" + repo + ":v1")
                .setName(name)
                .setKernel(kernelName)
                .build())
        .forEachRemaining(out::add);
    return out.getLast().getImage();
  }

  @Test
  void thePairedKernelsModulesAreInTheRootfsRootOwnedWithTheirModes() {
    Image image = pull("test/plain", "plain-paired", "paired");
    assertEquals(kernel.getId(), image.getDefaultKernel());
    Path rootfs = Path.of(image.getRootfsPath());
    String base = "/lib/modules/" + RELEASE;
    assertEquals(
        new RealImages.Stat("regular", 0604, 0, 0, ("\u007fELF module for " + RELEASE).length()),
        stat(rootfs, base + "/kernel/drivers/test.ko"));
    assertEquals(
        new RealImages.Stat("directory", 0705, 0, 0, -1),
        stat(rootfs, base + "/kernel/drivers").ignoringSize());
    assertEquals("symlink", stat(rootfs, base + "/kernel/alias.ko").type());
    String link =
        RealImages.run(
                dev.banger.kit.process.Command.of(
                        "debugfs", "-R", "stat " + base + "/kernel/alias.ko", rootfs.toString())
                    .build())
            .stdoutText();
    assertTrue(link.contains("Fast link dest: \"drivers/test.ko\""), link);
    assertEquals("kernel/drivers/test.ko:\n", RealImages.cat(rootfs, base + "/modules.dep"));
    assertNull(stat(rootfs, base + "/build"), "the host headers link is not carried");
    assertEquals(
        new RealImages.Stat("directory", 0755, 0, 0, -1),
        stat(rootfs, "/lib/modules").ignoringSize());
    assertEquals("plain", RealImages.cat(rootfs, "/etc/os"));
    assertFsckClean(rootfs);
  }

  @Test
  void onAMergedUsrImageTheModulesGoThroughTheLibLink() {
    Image image = pull("test/merged", "merged-paired", "paired");
    Path rootfs = Path.of(image.getRootfsPath());
    assertEquals("symlink", stat(rootfs, "/lib").type(), "/lib stays the image's link");
    assertEquals(
        "regular", stat(rootfs, "/usr/lib/modules/" + RELEASE + "/kernel/drivers/test.ko").type());
  }

  @Test
  void aKernelWithoutModulesIsRecordedAndTheRepeatRulesHold() {
    Image image = pull("test/plain", "plain-bare", "bare");
    assertEquals(bare.getId(), image.getDefaultKernel());
    assertNull(stat(Path.of(image.getRootfsPath()), "/lib/modules"));
    assertEquals(
        image.getId(), pull("test/plain", "plain-bare", "bare").getId(), "the same pull again");
    assertEquals(
        image.getId(),
        pull("test/plain", "plain-bare", "").getId(),
        "no kernel named: the same image");
    StatusRuntimeException other =
        assertThrows(
            StatusRuntimeException.class, () -> pull("test/plain", "plain-bare", "paired"));
    assertEquals(
        Status.Code.ALREADY_EXISTS, other.getStatus().getCode(), "another kernel is another image");
  }

  @Test
  void aMissingKernelIsNotFoundBeforeAnyDownload() {
    // Port 1 on loopback refuses connections: reaching the registry would be UNAVAILABLE, not
    // NOT_FOUND.
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                stub.pullImage(
                        PullImageRequest.newBuilder()
                            .setReference("127.0.0.1:1/test/none:v1")
                            .setName("none")
                            .setKernel("no-such")
                            .build())
                    .forEachRemaining(x -> {}));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("KERNEL_NOT_FOUND", Errors.errorInfo(e).orElseThrow().getReason());
  }

  @Test
  void aKernelInUseIsDeletedOnlyWhenForcedAndTheImageKeepsNoDefault() {
    Kernel k = importKernel("doomed", dir.resolve("vmlinuz"), null);
    Image image = pull("test/plain", "plain-doomed", "doomed");
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("doomed").build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertEquals("KERNEL_IN_USE", Errors.errorInfo(e).orElseThrow().getReason());
    assertTrue(
        e.getStatus().getDescription().contains("plain-doomed"), e.getStatus().getDescription());
    assertTrue(Files.exists(Path.of(k.getVmlinuxPath())), "refused: untouched");

    stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("doomed").setForce(true).build());
    assertTrue(Files.notExists(Path.of(k.getVmlinuxPath()).getParent()));
    Image after =
        stub.getImage(GetImageRequest.newBuilder().setImage(image.getId()).build()).getImage();
    assertEquals("", after.getDefaultKernel(), "ON DELETE SET NULL");
    assertTrue(Files.exists(Path.of(after.getRootfsPath())), "the image itself stays");
    StatusRuntimeException again =
        assertThrows(
            StatusRuntimeException.class,
            () -> stub.deleteKernel(DeleteKernelRequest.newBuilder().setKernel("doomed").build()));
    assertEquals(Status.Code.NOT_FOUND, again.getStatus().getCode(), "a missing name is named");
  }
}
