package dev.banger.net.dns;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import org.xbill.DNS.Type;

/**
 * Queries per second of {@link VmDnsServer} over UDP on loopback, beside a baseline measured in the
 * same run: a UDP echo server built the same way (virtual threads receiving on one DatagramSocket),
 * which is the floor that the socket round trip alone sets.
 *
 * <p>Not a test (Surefire skips the name); run it as a main, see docs/dns.md: {@code
 * DnsThroughputBench [client-threads=4] [seconds-per-round=3] [rounds=3]}.
 */
public final class DnsThroughputBench {

  private static final int NAMES = 1000;

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    VmZone zone = new VmZone();
    for (int i = 0; i < NAMES; i++) {
      zone.put(
          "vm-" + i,
          (Inet4Address) InetAddress.getByName("172.16." + (i / 250) + "." + (i % 250 + 2)));
    }
    List<byte[]> queries = new ArrayList<>();
    for (int i = 0; i < NAMES; i++) {
      queries.add(DnsClient.query("vm-" + i + ".vm.", Type.A).toWire());
    }
    System.out.printf(
        "UDP on 127.0.0.1, %d client threads, %d s rounds, %d names, %d cores%n",
        threads, seconds, NAMES, Runtime.getRuntime().availableProcessors());
    try (VmDnsServer dns = VmDnsServer.start(zone, List.of(new InetSocketAddress("127.0.0.1", 0)));
        Echo echo = new Echo(DnsOptions.defaults().udpWorkers())) {
      run(echo.address, queries, threads, 1); // warm-up, both
      run(dns.boundAddresses().getFirst(), queries, threads, 1);
      System.out.println(
          "| round | DNS q/s | DNS p50 | DNS p99 | echo q/s (baseline) | echo p50 | echo p99 | DNS/echo q/s | lost (DNS/echo) |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      for (int r = 1; r <= rounds; r++) {
        Result e = run(echo.address, queries, threads, seconds);
        Result d = run(dns.boundAddresses().getFirst(), queries, threads, seconds);
        System.out.printf(
            "| %d | %.0f | %d µs | %d µs | %.0f | %d µs | %d µs | %.2f | %d/%d |%n",
            r, d.qps, d.p50, d.p99, e.qps, e.p50, e.p99, d.qps / e.qps, d.lost, e.lost);
      }
      System.out.println("server counters: " + dns.counters());
    }
  }

  record Result(double qps, long p50, long p99, long lost) {}

  /** {@code threads} clients, each one query in flight at a time, for {@code seconds}. */
  static Result run(InetSocketAddress server, List<byte[]> queries, int threads, int seconds)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLongArray histogram =
        new AtomicLongArray(100_000); // µs buckets, the last one catches the rest
    long[] counts = new long[threads];
    long[] lost = new long[threads];
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int me = t;
      clients.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (DatagramSocket s =
                        new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                      s.connect(server);
                      s.setSoTimeout(1000);
                      byte[] in = new byte[1500];
                      DatagramPacket reply = new DatagramPacket(in, in.length);
                      for (int i = me; !stop.get(); i++) {
                        byte[] q = queries.get(i % queries.size()).clone();
                        q[0] = (byte) (i >>> 8);
                        q[1] = (byte) i;
                        long t0 = System.nanoTime();
                        s.send(new DatagramPacket(q, q.length));
                        try {
                          reply.setLength(in.length);
                          s.receive(reply);
                        } catch (SocketTimeoutException e) {
                          lost[me]++;
                          continue;
                        }
                        long micros = (System.nanoTime() - t0) / 1000;
                        if (in[0] != q[0] || in[1] != q[1]) {
                          throw new IllegalStateException("answer to another query (id mismatch)");
                        }
                        histogram.incrementAndGet((int) Math.min(micros, histogram.length() - 1));
                        counts[me]++;
                      }
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                  }));
    }
    long start = System.nanoTime();
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    for (Thread c : clients) {
      c.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long total = Arrays.stream(counts).sum();
    return new Result(
        total / elapsed,
        percentile(histogram, total, 0.50),
        percentile(histogram, total, 0.99),
        Arrays.stream(lost).sum());
  }

  private static long percentile(AtomicLongArray histogram, long total, double p) {
    long target = (long) Math.ceil(total * p);
    long seen = 0;
    for (int i = 0; i < histogram.length(); i++) {
      seen += histogram.get(i);
      if (seen >= target) {
        return i;
      }
    }
    return histogram.length();
  }

  /**
   * The baseline: sends every datagram back unchanged, on the same threads as the DNS server's UDP
   * loop.
   */
  static final class Echo implements AutoCloseable {
    final DatagramSocket socket;
    final InetSocketAddress address;
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    Echo(int workers) throws Exception {
      socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      address = new InetSocketAddress("127.0.0.1", socket.getLocalPort());
      for (int i = 0; i < workers; i++) {
        threads.execute(
            () -> {
              byte[] buf = new byte[65_535];
              DatagramPacket p = new DatagramPacket(buf, buf.length);
              while (!socket.isClosed()) {
                try {
                  p.setLength(buf.length);
                  socket.receive(p);
                  socket.send(
                      new DatagramPacket(
                          Arrays.copyOf(buf, p.getLength()), p.getLength(), p.getSocketAddress()));
                } catch (Exception e) {
                  // closed: the loop condition ends it
                }
              }
            });
      }
    }

    @Override
    public void close() {
      socket.close();
      threads.close();
    }
  }
}
