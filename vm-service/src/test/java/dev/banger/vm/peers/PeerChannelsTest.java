package dev.banger.vm.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.api.image.v1.GetImageRequest;
import dev.banger.image.ImageServiceModule;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.testing.ServiceHarness;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A peer that restarts costs a call its start-up, not a failure; a peer that stays down fails the
 * call after the connect wait, with the peer named. Real image-service, real Unix sockets.
 */
class PeerChannelsTest {

  @TempDir Path dir;

  static GetImageRequest ghost() {
    return GetImageRequest.newBuilder().setImage("ghost").build();
  }

  @Test
  void aCallDuringAPeerRestartWaitsForItInsteadOfFailing() throws Exception {
    Path state = dir.resolve("state");
    ServiceHarness first = ServiceHarness.start(state, new ImageServiceModule());
    Path socket = first.layout().socket(ServiceName.IMAGE);
    ManagedChannel ch = UnixChannels.forSocket(socket);
    PeerChannels peers = new PeerChannels(ch, ch, ch, Duration.ofSeconds(20));
    try {
      assertNotFound(peers);
      first.close();
      CompletableFuture<ServiceHarness> again =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  Thread.sleep(1500);
                  return ServiceHarness.start(state, new ImageServiceModule());
                } catch (Exception e) {
                  throw new java.util.concurrent.CompletionException(e);
                }
              });
      long t0 = System.nanoTime();
      assertNotFound(peers); // made while image-service is down: answered once it is back
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(waited >= 1000, "the call waited for the restart (" + waited + " ms)");
      again.get(30, TimeUnit.SECONDS).close();
    } finally {
      peers.close();
    }
  }

  @Test
  void aPeerThatStaysDownFailsTheCallAfterTheConnectWaitNamingIt() {
    ManagedChannel ch = UnixChannels.forSocket(dir.resolve("nobody.sock"));
    PeerChannels peers = new PeerChannels(ch, ch, ch, Duration.ofSeconds(1));
    try {
      long t0 = System.nanoTime();
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> peers.image().getImage(ghost()));
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
      assertTrue(
          e.getStatus().getDescription().startsWith("image-service did not answer: "),
          e.toString());
      assertTrue(
          took < 10_000, "failed after the connect wait, not the call's deadline: " + took + " ms");
    } finally {
      peers.close();
    }
  }

  private static void assertNotFound(PeerChannels peers) {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> peers.image().getImage(ghost()));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.toString());
  }
}
