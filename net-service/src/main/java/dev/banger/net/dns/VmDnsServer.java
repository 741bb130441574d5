package dev.banger.net.dns;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authoritative DNS server of the {@code .vm} zone, on UDP and TCP at each listening address,
 * answering from a {@link VmZone} that the caller keeps up to date.
 *
 * <p>Why this shape: net-service owns one of these for its whole life and only ever starts, asks
 * where it listens, and closes it; records change through the {@link VmZone} it holds, and every
 * query reads the zone afresh, so there is nothing to reload. All threads are virtual threads of
 * one executor, so {@link #close()} can prove they are all gone.
 */
public final class VmDnsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(VmDnsServer.class);

  /** Tries at finding an ephemeral port free for both UDP and TCP when port 0 is asked for. */
  private static final int PORT_TRIES = 20;

  private static final long SHUTDOWN_WAIT_SECONDS = 5;

  private final List<InetSocketAddress> bound;
  private final List<AutoCloseable> listeners;
  private final ExecutorService threads;
  private final DnsCounters counters;
  private boolean closed;

  private VmDnsServer(
      List<InetSocketAddress> bound,
      List<AutoCloseable> listeners,
      ExecutorService threads,
      DnsCounters counters) {
    this.bound = bound;
    this.listeners = listeners;
    this.threads = threads;
    this.counters = counters;
  }

  /** {@link #start(VmZone, List, DnsOptions)} with {@link DnsOptions#defaults()}. */
  public static VmDnsServer start(VmZone zone, List<InetSocketAddress> listen) throws IOException {
    return start(zone, listen, DnsOptions.defaults());
  }

  /**
   * Binds UDP and TCP on every address of {@code listen} and starts answering. Port 0 picks one
   * free port that UDP and TCP share; {@link #boundAddresses()} tells which.
   *
   * @throws IllegalArgumentException if {@code listen} is empty, has an unresolved or repeated
   *     address
   * @throws IOException if an address cannot be bound (in use, not on this host, no permission for
   *     a port under 1024); nothing stays bound then
   */
  public static VmDnsServer start(VmZone zone, List<InetSocketAddress> listen, DnsOptions options)
      throws IOException {
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(options, "options");
    checkListen(listen);
    DnsCounters counters = new DnsCounters();
    QueryHandler handler = new QueryHandler(zone, options, counters);
    List<AutoCloseable> sockets = new ArrayList<>();
    List<InetSocketAddress> bound = new ArrayList<>();
    try {
      for (InetSocketAddress address : listen) {
        Bound b = bindBoth(address);
        sockets.add(b.udp);
        sockets.add(b.tcp);
        bound.add(new InetSocketAddress(address.getAddress(), b.udp.getLocalPort()));
      }
    } catch (IOException | RuntimeException e) {
      sockets.forEach(VmDnsServer::closeQuietly);
      throw e;
    }
    ExecutorService threads =
        Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vm-dns-", 0).factory());
    List<AutoCloseable> listeners = new ArrayList<>();
    for (int i = 0; i < sockets.size(); i += 2) {
      UdpListener udp = new UdpListener((DatagramSocket) sockets.get(i), handler);
      TcpListener tcp =
          new TcpListener((ServerSocket) sockets.get(i + 1), handler, options, counters);
      listeners.add(udp);
      listeners.add(tcp);
      udp.start(threads, options.udpWorkers());
      tcp.start(threads);
    }
    log.info("DNS for zone {}. answering on {} (UDP and TCP)", options.zone(), bound);
    return new VmDnsServer(List.copyOf(bound), listeners, threads, counters);
  }

  /** Where the server listens, one entry per requested address, with the real port. */
  public List<InetSocketAddress> boundAddresses() {
    return bound;
  }

  /** What the server has done so far (answers, malformed packets, refused connections). */
  public DnsCounters counters() {
    return counters;
  }

  /**
   * Closes every socket and waits (up to 5 s) for every thread to end. Idempotent. Ports are free
   * for others as soon as this returns.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    listeners.forEach(VmDnsServer::closeQuietly);
    threads.shutdown();
    try {
      if (!threads.awaitTermination(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
        log.warn(
            "DNS server threads still running {} s after close; interrupting them",
            SHUTDOWN_WAIT_SECONDS);
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.info("DNS for {} closed ({})", bound, counters);
  }

  /** True once every thread the server started has ended (for tests of close()). */
  boolean threadsEnded() {
    return threads.isTerminated();
  }

  private record Bound(DatagramSocket udp, ServerSocket tcp) {}

  /** A UDP and a TCP socket on the same address and port; for port 0, a port free for both. */
  private static Bound bindBoth(InetSocketAddress address) throws IOException {
    for (int attempt = 1; ; attempt++) {
      DatagramSocket udp = new DatagramSocket(null);
      try {
        udp.bind(address);
      } catch (IOException e) {
        udp.close();
        throw bindFailure("UDP", address, e);
      }
      ServerSocket tcp = new ServerSocket();
      try {
        tcp.setReuseAddress(true); // a restart must not wait out TIME_WAIT of old connections
        tcp.bind(new InetSocketAddress(address.getAddress(), udp.getLocalPort()), 64);
        return new Bound(udp, tcp);
      } catch (IOException e) {
        udp.close();
        tcp.close();
        if (address.getPort() != 0 || attempt >= PORT_TRIES) {
          throw bindFailure(
              "TCP", new InetSocketAddress(address.getAddress(), udp.getLocalPort()), e);
        }
        // The ephemeral port UDP got is taken for TCP: try another.
      }
    }
  }

  private static IOException bindFailure(
      String proto, InetSocketAddress address, IOException cause) {
    BindException e =
        new BindException(
            "DNS cannot listen on "
                + proto
                + " "
                + address.getAddress().getHostAddress()
                + ":"
                + address.getPort()
                + ": "
                + cause.getMessage());
    e.initCause(cause);
    return e;
  }

  private static void checkListen(List<InetSocketAddress> listen) {
    if (listen == null || listen.isEmpty()) {
      throw new IllegalArgumentException("DNS needs at least one address to listen on");
    }
    HashSet<InetSocketAddress> seen = new HashSet<>();
    for (InetSocketAddress a : listen) {
      if (a == null || a.isUnresolved()) {
        throw new IllegalArgumentException(
            "DNS listen address " + a + " is not a resolved IP address and port");
      }
      if (a.getPort() != 0 && !seen.add(a)) {
        throw new IllegalArgumentException("DNS listen address " + a + " is given twice");
      }
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // best effort: closing a socket releases it even when close reports an error
    }
  }
}
