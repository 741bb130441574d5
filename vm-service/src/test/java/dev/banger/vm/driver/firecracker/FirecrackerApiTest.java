package dev.banger.vm.driver.firecracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.banger.vm.driver.DriverException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client on its own: bounded exchanges, Firecracker's fault_message carried, odd answers named.
 */
class FirecrackerApiTest {

  @TempDir Path dir;

  @Test
  void aServerThatNeverAnswersIsBoundedByTheTimeout() throws Exception {
    Path sock = dir.resolve("silent.sock");
    List<SocketChannel> held = new ArrayList<>();
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      Thread.ofVirtual()
          .start(
              () -> {
                try {
                  held.add(server.accept()); // accept, read nothing, answer nothing
                } catch (java.io.IOException e) {
                  // closed
                }
              });
      FirecrackerApi api = new FirecrackerApi(sock, Duration.ofMillis(300));
      long t0 = System.nanoTime();
      DriverException e = assertThrows(DriverException.class, () -> api.get("/"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(e.getMessage().contains("no answer within 300 ms"), e.getMessage());
      assertTrue(ms < 5000, "took " + ms + " ms");
    } finally {
      for (SocketChannel c : held) {
        c.close();
      }
    }
  }

  @Test
  void aRefusalCarriesFirecrackersFaultMessage() throws Exception {
    Path sock = dir.resolve("api.sock");
    FirecrackerApiStub stub = new FirecrackerApiStub("t", null);
    try (StubHttpServer s = StubHttpServer.start(sock, stub)) {
      FirecrackerApi api = new FirecrackerApi(sock, Duration.ofSeconds(5));
      DriverException e =
          assertThrows(
              DriverException.class,
              () -> api.put("/machine-config", Map.of("vcpu_count", 0, "mem_size_mib", 128)));
      assertEquals(
          "Firecracker answered PUT /machine-config with 400: The vCPU number is invalid! The vCPU number"
              + " can only be 1 or an even number when SMT is enabled.",
          e.getMessage());
    }
  }

  @Test
  void noSocketIsAClearError() {
    FirecrackerApi api = new FirecrackerApi(dir.resolve("none.sock"), Duration.ofSeconds(1));
    DriverException e = assertThrows(DriverException.class, () -> api.get("/"));
    assertTrue(e.getMessage().contains("GET / on " + dir.resolve("none.sock")), e.getMessage());
  }

  @Test
  void faultMessageFallsBackToTheBody() {
    assertEquals("oops", new FirecrackerApi.Response(500, "oops\n").faultMessage());
    assertEquals("(no body)", new FirecrackerApi.Response(400, "").faultMessage());
    assertEquals("x", new FirecrackerApi.Response(400, "{\"fault_message\":\"x\"}").faultMessage());
  }
}
