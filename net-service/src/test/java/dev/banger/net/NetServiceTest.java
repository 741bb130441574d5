package dev.banger.net;

import static dev.banger.kit.testing.ServiceHarness.assertPending;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.net.v1.DeleteDnsRecordRequest;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.ListLeasesRequest;
import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import dev.banger.net.testing.RootNamespaceGuard;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * net-service in this JVM, in the host's own namespace, the way {@code bangerd --all} starts it on
 * a fresh state directory: with no bridge ever set up it must not touch the host's network at all
 * (no pool, no reconcile), and say what it needs first.
 */
class NetServiceTest {

  @Test
  void aFreshServiceServesAndLeavesTheHostAlone(@TempDir Path dir) throws Exception {
    RootNamespaceGuard root = RootNamespaceGuard.capture();
    try (ServiceHarness h = ServiceHarness.start(dir, new NetServiceModule())) {
      assertEquals(ServingStatus.SERVING, h.health(ServiceName.NET, "banger.net.v1.NetService"));
      assertTrue(
          h.tables(ServiceName.NET)
              .containsAll(List.of("bridges", "leases", "released_addresses", "host_settings")));
      var stub = NetServiceGrpc.newBlockingStub(h.channel(ServiceName.NET));
      assertEquals(0, stub.listLeases(ListLeasesRequest.getDefaultInstance()).getLeasesCount());
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  stub.leaseIp(
                      LeaseIpRequest.newBuilder()
                          .setVmId(UUID.randomUUID().toString())
                          .setVmName("a")
                          .build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertTrue(
          e.getStatus().getDescription().contains("EnsureBridge"), e.getStatus().getDescription());
      assertPending(
          () -> stub.deleteDnsRecord(DeleteDnsRecordRequest.newBuilder().setName("a").build()),
          "banger.net.v1.NetService/DeleteDnsRecord",
          "follow the leases");
    }
    root.assertUnchanged();
  }
}
