package dev.banger.cli.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code vm ports} reads of {@code ss}, and its HTTP probe against real sockets on loopback.
 */
class GuestPortsTest {

  @Test
  void parsesSsListeningLinesOfEveryShape() {
    String ss =
        """
        udp   UNCONN 0      0          0.0.0.0%lo:68         0.0.0.0:*    users:(("dhclient",pid=301,fd=7))
        tcp   LISTEN 0      128          0.0.0.0:22         0.0.0.0:*    users:(("sshd",pid=412,fd=3))
        tcp   LISTEN 0      128             [::]:22            [::]:*    users:(("sshd",pid=412,fd=4))
        tcp   LISTEN 0      5          127.0.0.1:631        0.0.0.0:*
        tcp   LISTEN 0      511                *:8080             *:*    users:(("python3",pid=900,fd=3))
        garbage line
        """;
    assertEquals(
        List.of(
            new GuestPorts.Port("udp", "0.0.0.0", 68, "dhclient"),
            new GuestPorts.Port("tcp", "0.0.0.0", 22, "sshd"),
            new GuestPorts.Port("tcp", "[::]", 22, "sshd"),
            new GuestPorts.Port("tcp", "127.0.0.1", 631, ""),
            new GuestPorts.Port("tcp", "*", 8080, "python3")),
        GuestPorts.parse(ss));
    assertTrue(new GuestPorts.Port("tcp", "127.0.0.1", 631, "").loopbackOnly());
    assertFalse(new GuestPorts.Port("tcp", "*", 8080, "").loopbackOnly());
  }

  @Test
  void theProbeTellsHttpFromAPlainSocket() throws Exception {
    HttpServer http = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    http.createContext(
        "/",
        x -> {
          x.sendResponseHeaders(200, -1);
          x.close();
        });
    http.start();
    try (ServerSocket silent = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      assertTrue(GuestPorts.speaksHttp("127.0.0.1", http.getAddress().getPort()));
      assertFalse(
          GuestPorts.speaksHttp("127.0.0.1", silent.getLocalPort()),
          "accepts, never answers: not HTTP");
    } finally {
      http.stop(0);
    }
    try (ServerSocket closed = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = closed.getLocalPort();
      closed.close();
      assertFalse(GuestPorts.speaksHttp("127.0.0.1", port), "nothing there");
    }
  }
}
