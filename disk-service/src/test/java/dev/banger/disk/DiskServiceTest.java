package dev.banger.disk;

import static dev.banger.kit.testing.ServiceHarness.assertPending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.disk.v1.CreateOverlayRequest;
import dev.banger.api.disk.v1.DiskServiceGrpc;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskServiceTest {

  @Test
  void servesHealthMigratesItsSchemaAndIsHonestAboutWhatIsNotBuilt(@TempDir Path dir) throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new DiskServiceModule())) {
      assertEquals(ServingStatus.SERVING, h.health(ServiceName.DISK, "banger.disk.v1.DiskService"));
      assertTrue(h.tables(ServiceName.DISK).contains("disk_objects"));
      var stub = DiskServiceGrpc.newBlockingStub(h.channel(ServiceName.DISK));
      assertPending(() -> stub.createOverlay(CreateOverlayRequest.getDefaultInstance()), "banger.disk.v1.DiskService/CreateOverlay", "issue #3");
    }
  }
}
