package dev.banger.net.dns;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one UDP socket: a few threads each receive a packet, answer it inline and send.
 *
 * <p>Why inline, with no queue: an answer is a map lookup and a few hundred bytes of encoding, far
 * cheaper than a hand-off between threads, and no queue means no unbounded backlog under a flood
 * (the kernel's socket buffer drops the excess instead). Several workers on the one socket let the
 * receive of one packet overlap the answering of another.
 */
final class UdpListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(UdpListener.class);

  /** Largest UDP payload; a bigger buffer would never fill. */
  private static final int MAX_DATAGRAM = 65_535;

  private final DatagramSocket socket;
  private final QueryHandler handler;

  UdpListener(DatagramSocket socket, QueryHandler handler) {
    this.socket = socket;
    this.handler = handler;
  }

  /** Starts {@code workers} receive loops on {@code threads}; they end when the socket closes. */
  void start(ExecutorService threads, int workers) {
    for (int i = 0; i < workers; i++) {
      threads.execute(this::serve);
    }
  }

  private void serve() {
    byte[] buf = new byte[MAX_DATAGRAM];
    DatagramPacket in = new DatagramPacket(buf, buf.length);
    while (!socket.isClosed()) {
      try {
        in.setLength(buf.length);
        socket.receive(in);
      } catch (IOException e) {
        if (!socket.isClosed()) {
          log.warn(
              "DNS UDP receive on {} failed: {}", socket.getLocalSocketAddress(), e.toString());
          LockSupport.parkNanos(100_000_000L); // back off rather than spin on a failing socket
        }
        continue;
      }
      byte[] out;
      try {
        out = handler.respond(buf, in.getLength(), true);
      } catch (RuntimeException e) {
        // respond() is built not to throw; if a bug makes it, the loop must still live.
        log.warn("DNS UDP query from {} failed", in.getSocketAddress(), e);
        continue;
      }
      if (out == null) {
        continue;
      }
      try {
        socket.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
      } catch (IOException e) {
        // The client's port may be gone (ICMP unreachable); its problem, not the loop's.
        log.debug("DNS UDP answer to {} not sent: {}", in.getSocketAddress(), e.toString());
      }
    }
  }

  /** Closes the socket, which wakes every worker out of receive() and ends it. */
  @Override
  public void close() {
    socket.close();
  }
}
