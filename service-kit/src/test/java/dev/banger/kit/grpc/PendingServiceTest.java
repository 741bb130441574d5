package dev.banger.kit.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.ListLeasesRequest;
import dev.banger.api.net.v1.ListLeasesResponse;
import dev.banger.api.net.v1.NetServiceGrpc;
import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.Principal;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.state.HostIdentity;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingServiceTest {

  static final class OnlyListLeases extends NetServiceGrpc.NetServiceImplBase {
    @Override
    public void listLeases(ListLeasesRequest req, StreamObserver<ListLeasesResponse> out) {
      out.onNext(
          ListLeasesResponse.newBuilder()
              .addLeases(dev.banger.api.net.v1.Lease.newBuilder().setVmName("real"))
              .build());
      out.onCompleted();
    }
  }

  @Test
  void aPartlyBuiltServiceServesItsMethodsAndPendingForTheRest(@TempDir Path dir) throws Exception {
    Path sock = dir.resolve("t.sock");
    AccessPolicy self =
        new AccessPolicy(
            List.of(new Principal.Self()),
            Map.of(),
            new UserDirectory(),
            HostIdentity.currentUid(),
            -1);
    KitServer server =
        KitServer.builder("test")
            .unixSocket(new SocketSpec(sock, 0600, null, null))
            .policy(self)
            .addService(
                PendingService.partially(
                    new OnlyListLeases(), Set.of("ListLeases"), "built later (issue #0)"))
            .start();
    ManagedChannel ch = UnixChannels.forSocket(sock);
    try {
      var stub = NetServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertEquals(
          "real", stub.listLeases(ListLeasesRequest.getDefaultInstance()).getLeases(0).getVmName());
      ServiceHarness.assertPending(
          () -> stub.ensureBridge(EnsureBridgeRequest.getDefaultInstance()),
          "banger.net.v1.NetService/EnsureBridge",
          "issue #0");
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.shutdown();
    }
  }
}
