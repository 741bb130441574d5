package dev.banger.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.image.v1.RegisterImageRequest;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageServiceTest {

  @Test
  void servesHealthMigratesItsSchemaAndValidates(@TempDir Path dir) throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new ImageServiceModule())) {
      assertEquals(
          ServingStatus.SERVING, h.health(ServiceName.IMAGE, "banger.image.v1.ImageService"));
      assertTrue(
          h.tables(ServiceName.IMAGE)
              .containsAll(java.util.List.of("images", "kernels", "request_log")));
      assertTrue(Files.isDirectory(h.layout().ociCache()), "image-service lays out its OCI cache");
      var stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
      var e =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.grpc.StatusRuntimeException.class,
              () -> stub.pullImage(PullImageRequest.getDefaultInstance()).next());
      assertEquals(
          io.grpc.Status.Code.INVALID_ARGUMENT,
          e.getStatus().getCode(),
          "pull is built: it validates");
      assertEquals(
          0,
          stub.listKernels(ListKernelsRequest.getDefaultInstance()).getKernelsCount(),
          "kernels are built");
      var r =
          org.junit.jupiter.api.Assertions.assertThrows(
              io.grpc.StatusRuntimeException.class,
              () -> stub.registerImage(RegisterImageRequest.newBuilder().setName("x").build()));
      assertEquals(
          io.grpc.Status.Code.INVALID_ARGUMENT,
          r.getStatus().getCode(),
          "register is built: it validates");
    }
  }

  @Test
  void startUpRemovesWhatADeadPullOrImportLeftBehind(@TempDir Path dir) throws Exception {
    dev.banger.kit.state.StateLayout layout = dev.banger.kit.state.StateLayout.under(dir);
    Path staging =
        Files.createDirectories(
            layout.images().resolve(".staging/0b6c5a0e-2f8e-4c59-9d5b-7f0e1c2d3a4b/tree"));
    Files.writeString(staging.resolve("half-written"), "x");
    Path unrecorded =
        Files.createDirectories(layout.images().resolve("1c7d6b1f-3a9f-4d6a-8e6c-8a1f2d3e4b5c"));
    Files.writeString(unrecorded.resolve("rootfs.ext4"), "x");
    Path foreign = Files.createDirectories(layout.images().resolve("not-ours"));
    Path kernelStaging =
        Files.createDirectories(
            layout.kernels().resolve(".staging/2d8e7c2a-4b0a-4e7b-9f7d-9b2a3e4f5c6d"));
    Files.writeString(kernelStaging.resolve("kernel.src"), "x");
    Path unrecordedKernel =
        Files.createDirectories(layout.kernels().resolve("3e9f8d3b-5c1b-4f8c-8a8e-ac3b4f5a6d7e"));
    Files.writeString(unrecordedKernel.resolve("vmlinux"), "x");
    Path foreignKernel = Files.createDirectories(layout.kernels().resolve("my-notes"));
    try (ServiceHarness h = ServiceHarness.start(dir, new ImageServiceModule())) {
      assertTrue(
          Files.notExists(layout.images().resolve(".staging")), "staging of a dead pull removed");
      assertTrue(Files.notExists(unrecorded), "a published directory no row names is removed");
      assertTrue(
          Files.isDirectory(foreign), "directories that are not pull directories are left alone");
      assertTrue(
          Files.notExists(layout.kernels().resolve(".staging")),
          "staging of a dead import removed");
      assertTrue(Files.notExists(unrecordedKernel), "a kernel directory no row names is removed");
      assertTrue(Files.isDirectory(foreignKernel), "other directories in kernels/ are left alone");
    }
  }

  @Test
  void aRecordedKernelSurvivesARestart(@TempDir Path dir) throws Exception {
    Path bz =
        Files.write(
            dir.resolve("vmlinuz"),
            dev.banger.image.kernel.TestKernels.bzImage("6.1.0-test-amd64"));
    String vmlinux;
    try (ServiceHarness h = ServiceHarness.start(dir.resolve("state"), new ImageServiceModule())) {
      var stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
      var it =
          stub.importKernel(
              dev.banger.api.image.v1.ImportKernelRequest.newBuilder()
                  .setName("kept")
                  .setKernelPath(bz.toString())
                  .build());
      dev.banger.api.image.v1.ImportKernelResponse last = null;
      while (it.hasNext()) {
        last = it.next();
      }
      vmlinux = last.getKernel().getVmlinuxPath();
    }
    try (ServiceHarness h = ServiceHarness.start(dir.resolve("state"), new ImageServiceModule())) {
      var stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
      assertEquals(
          vmlinux,
          stub.getKernel(
                  dev.banger.api.image.v1.GetKernelRequest.newBuilder().setKernel("kept").build())
              .getKernel()
              .getVmlinuxPath());
      assertTrue(Files.isRegularFile(Path.of(vmlinux)), "start-up keeps what a row names");
    }
  }
}
