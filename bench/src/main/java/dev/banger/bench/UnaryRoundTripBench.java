package dev.banger.bench;

import dev.banger.kit.auth.AccessPolicy;
import dev.banger.kit.auth.Principal;
import dev.banger.kit.auth.UserDirectory;
import dev.banger.kit.grpc.KitServer;
import dev.banger.kit.grpc.SocketSpec;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.state.HostIdentity;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Unary RPC round trip (grpc.health.v1.Health/Check, through the full kit stack: peer policy
 * interceptor, virtual-thread executor) over the Unix socket vs. over TCP loopback, measured in the
 * same run, interleaved round by round so machine drift hits both alike.
 *
 * <p>Usage: UnaryRoundTripBench [calls-per-round] [rounds]
 */
public final class UnaryRoundTripBench {

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "bgr-bench-");
    int self = HostIdentity.currentUid();
    // UDS: the production policy shape (self allowed by SO_PEERCRED). TCP has no credentials,
    // so its policy says "any": the interceptor still runs, only the credential match differs.
    AccessPolicy uds =
        new AccessPolicy(List.of(new Principal.Self()), Map.of(), new UserDirectory(), self, -1);
    AccessPolicy tcp =
        new AccessPolicy(List.of(new Principal.Any()), Map.of(), new UserDirectory(), self, -1);
    var loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try (KitServer udsServer =
            KitServer.builder("bench-uds")
                .unixSocket(new SocketSpec(dir.resolve("b.sock"), 0600, null, null))
                .policy(uds)
                .start();
        KitServer tcpServer = KitServer.builder("bench-tcp").tcpLoopback(0).policy(tcp).start()) {
      ManagedChannel udsCh = UnixChannels.forSocket(dir.resolve("b.sock"));
      ManagedChannel tcpCh =
          NettyChannelBuilder.forAddress(
                  new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpServer.port()))
              .eventLoopGroup(loop)
              .channelType(EpollSocketChannel.class)
              .usePlaintext()
              .build();
      System.out.printf(
          "unary round trip, Health/Check, %d calls x %d rounds each, sequential, one channel, %d cores%n",
          calls, rounds, Runtime.getRuntime().availableProcessors());
      // Warm-up: JIT both paths before anything counts.
      measure(udsCh, calls);
      measure(tcpCh, calls);
      long[] udsAll = new long[0];
      long[] tcpAll = new long[0];
      for (int r = 0; r < rounds; r++) {
        udsAll = concat(udsAll, measure(udsCh, calls));
        tcpAll = concat(tcpAll, measure(tcpCh, calls));
      }
      Stats u = Stats.of(udsAll);
      Stats t = Stats.of(tcpAll);
      System.out.printf(
          "%-22s p50 %7.1f us   p99 %7.1f us   mean %7.1f us   %8.0f calls/s%n",
          "unix socket (+peercred)", u.p50, u.p99, u.mean, 1e6 / u.mean);
      System.out.printf(
          "%-22s p50 %7.1f us   p99 %7.1f us   mean %7.1f us   %8.0f calls/s%n",
          "tcp loopback (baseline)", t.p50, t.p99, t.mean, 1e6 / t.mean);
      System.out.printf(
          "ratio unix/tcp          p50 %.2f        p99 %.2f        mean %.2f%n",
          u.p50 / t.p50, u.p99 / t.p99, u.mean / t.mean);
      udsCh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      tcpCh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } finally {
      loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.deleteIfExists(p);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  private static long[] measure(ManagedChannel ch, int calls) {
    var stub = HealthGrpc.newBlockingStub(ch);
    HealthCheckRequest req = HealthCheckRequest.getDefaultInstance();
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      stub.check(req);
      nanos[i] = System.nanoTime() - t0;
    }
    return nanos;
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private record Stats(double p50, double p99, double mean) {
    static Stats of(long[] nanos) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      double mean = Arrays.stream(s).average().orElse(0) / 1000.0;
      return new Stats(s[s.length / 2] / 1000.0, s[(int) (s.length * 0.99)] / 1000.0, mean);
    }
  }
}
