package dev.banger.net;

import static dev.banger.kit.testing.ServiceHarness.assertPending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetServiceTest {

  @Test
  void servesHealthMigratesItsSchemaAndIsHonestAboutWhatIsNotBuilt(@TempDir Path dir) throws Exception {
    try (ServiceHarness h = ServiceHarness.start(dir, new NetServiceModule())) {
      assertEquals(ServingStatus.SERVING, h.health(ServiceName.NET, "banger.net.v1.NetService"));
      assertTrue(h.tables(ServiceName.NET).containsAll(java.util.List.of("bridges", "leases", "released_addresses")));
      var stub = NetServiceGrpc.newBlockingStub(h.channel(ServiceName.NET));
      assertPending(() -> stub.ensureBridge(EnsureBridgeRequest.getDefaultInstance()), "banger.net.v1.NetService/EnsureBridge", "issue #5");
    }
  }
}
