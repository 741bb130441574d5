package dev.banger.net.dns;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves DNS over one TCP socket (RFC 7766): messages framed by a two-byte length, several queries
 * per connection, answered in order.
 *
 * <p>Why the limits: a TCP connection costs a thread and a file descriptor for as long as the
 * client keeps it, so a client must not keep it for free. There is a cap on connections open at
 * once (more are closed on accept), an idle timeout on every read, and a lifetime after which a
 * reaper closes the connection whatever it is doing, so that a client that trickles bytes or never
 * reads its answers is cut off too.
 */
final class TcpListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TcpListener.class);

  private final ServerSocket server;
  private final QueryHandler handler;
  private final DnsCounters counters;
  private final int idleMillis;
  private final Duration lifetime;
  private final Semaphore slots;

  /** Open connections and the System.nanoTime() at which the reaper closes them. */
  private final Map<Socket, Long> open = new ConcurrentHashMap<>();

  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile boolean closed;

  TcpListener(ServerSocket server, QueryHandler handler, DnsOptions options, DnsCounters counters) {
    this.server = server;
    this.handler = handler;
    this.counters = counters;
    this.idleMillis = (int) Math.max(1, options.tcpIdleTimeout().toMillis());
    this.lifetime = options.tcpLifetime();
    this.slots = new Semaphore(options.maxTcpConnections());
  }

  /** Starts the accept loop and the reaper on {@code threads}; both end on {@link #close()}. */
  void start(ExecutorService threads) {
    threads.execute(() -> acceptLoop(threads));
    threads.execute(this::reap);
  }

  private void acceptLoop(ExecutorService threads) {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (!closed) {
          // e.g. out of file descriptors: back off rather than spin on a failing accept
          log.warn("DNS TCP accept on {} failed: {}", server.getLocalSocketAddress(), e.toString());
          pause();
        }
        continue;
      }
      if (!slots.tryAcquire()) {
        counters.countTcpRefused();
        closeQuietly(s);
        continue;
      }
      open.put(s, System.nanoTime() + lifetime.toNanos());
      if (closed) { // close() may have swept `open` before the put: don't leave this one behind
        forget(s);
        return;
      }
      try {
        threads.execute(() -> serve(s));
      } catch (RejectedExecutionException e) {
        forget(s);
      }
    }
  }

  private void serve(Socket s) {
    try {
      s.setSoTimeout(idleMillis);
      s.setTcpNoDelay(true);
      DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
      while (true) {
        int length;
        try {
          length = in.readUnsignedShort();
        } catch (EOFException e) {
          return; // the client is done
        }
        byte[] message = new byte[length];
        in.readFully(message);
        byte[] answer = handler.respond(message, length, false);
        if (answer == null) {
          return; // not a query (too short, or a response): hang up rather than guess the framing
        }
        out.writeShort(answer.length);
        out.write(answer);
        out.flush();
      }
    } catch (SocketTimeoutException e) {
      counters.countTcpTimedOut();
    } catch (IOException e) {
      log.debug("DNS TCP connection from {} ended: {}", s.getRemoteSocketAddress(), e.toString());
    } catch (RuntimeException e) {
      log.warn("DNS TCP connection from {} failed", s.getRemoteSocketAddress(), e);
    } finally {
      forget(s);
    }
  }

  /**
   * Closes connections past their lifetime, checking a few times per lifetime (10 ms to 1 s apart).
   */
  private void reap() {
    long tickMillis = Math.clamp(lifetime.toMillis() / 4, 10, 1000);
    try {
      while (!stopped.await(tickMillis, TimeUnit.MILLISECONDS)) {
        long now = System.nanoTime();
        open.forEach(
            (s, deadline) -> {
              if (now - deadline >= 0 && !s.isClosed()) {
                counters.countTcpTimedOut();
                closeQuietly(s); // its serve thread then fails on the socket and forgets it
              }
            });
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void pause() {
    try {
      stopped.await(100, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void forget(Socket s) {
    closeQuietly(s);
    if (open.remove(s) != null) {
      slots.release();
    }
  }

  /** Stops accepting, stops the reaper and closes every open connection. */
  @Override
  public void close() {
    closed = true;
    stopped.countDown();
    closeQuietly(server);
    open.keySet().forEach(TcpListener::closeQuietly);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing is best effort; the descriptor is released either way
    }
  }
}
