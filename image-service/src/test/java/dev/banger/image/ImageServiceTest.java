package dev.banger.image;

import static dev.banger.kit.testing.ServiceHarness.assertPending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ListKernelsRequest;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageServiceTest {

  @Test
  void servesHealthMigratesItsSchemaAndIsHonestAboutWhatIsNotBuilt(@TempDir Path dir) throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new ImageServiceModule())) {
      assertEquals(ServingStatus.SERVING, h.health(ServiceName.IMAGE, "banger.image.v1.ImageService"));
      assertTrue(h.tables(ServiceName.IMAGE).containsAll(java.util.List.of("images", "kernels", "request_log")));
      assertTrue(Files.isDirectory(h.layout().ociCache()), "image-service lays out its OCI cache");
      var stub = ImageServiceGrpc.newBlockingStub(h.channel(ServiceName.IMAGE));
      var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
          () -> stub.pullImage(PullImageRequest.getDefaultInstance()).next());
      assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), "pull is built: it validates");
      assertPending(() -> stub.listKernels(ListKernelsRequest.getDefaultInstance()), "banger.image.v1.ImageService/ListKernels", "issue #4");
    }
  }

  @Test
  void startUpRemovesWhatADeadPullLeftBehind(@TempDir Path dir) throws Exception {
    dev.banger.kit.state.StateLayout layout = dev.banger.kit.state.StateLayout.under(dir);
    Path staging = Files.createDirectories(layout.images().resolve(".staging/0b6c5a0e-2f8e-4c59-9d5b-7f0e1c2d3a4b/tree"));
    Files.writeString(staging.resolve("half-written"), "x");
    Path unrecorded = Files.createDirectories(layout.images().resolve("1c7d6b1f-3a9f-4d6a-8e6c-8a1f2d3e4b5c"));
    Files.writeString(unrecorded.resolve("rootfs.ext4"), "x");
    Path foreign = Files.createDirectories(layout.images().resolve("not-ours"));
    try (ServiceHarness h = ServiceHarness.start(dir, new ImageServiceModule())) {
      assertTrue(Files.notExists(layout.images().resolve(".staging")), "staging of a dead pull removed");
      assertTrue(Files.notExists(unrecorded), "a published directory no row names is removed");
      assertTrue(Files.isDirectory(foreign), "directories that are not pull directories are left alone");
    }
  }
}
