package dev.banger.image.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A proxy selector for clients under test that keeps every connection on this machine: loopback
 * URLs go direct, anything else is recorded and sent to a closed loopback port (so it fails without
 * a DNS lookup or a packet leaving the host). Tests assert {@link #outsideAttempts()} is empty to
 * prove a refusal happened before any connection was tried.
 */
public final class LoopbackOnly extends ProxySelector {

  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

  private final List<URI> outside = new CopyOnWriteArrayList<>();
  private final Proxy deadEnd;

  public LoopbackOnly() {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    deadEnd =
        new Proxy(
            Proxy.Type.HTTP, new InetSocketAddress(InetAddress.getLoopbackAddress(), closedPort));
  }

  @Override
  public List<Proxy> select(URI uri) {
    if (uri.getHost() != null
        && LOOPBACK.contains(uri.getHost().toLowerCase(java.util.Locale.ROOT))) {
      return List.of(Proxy.NO_PROXY);
    }
    outside.add(uri);
    return List.of(deadEnd);
  }

  @Override
  public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
    // Expected for the dead end; the attempt is already recorded.
  }

  /** Every non-loopback URL a client tried to reach. */
  public List<URI> outsideAttempts() {
    return List.copyOf(outside);
  }
}
