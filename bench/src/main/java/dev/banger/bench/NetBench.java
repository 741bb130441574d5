package dev.banger.bench;

import dev.banger.api.net.v1.AcquireTapRequest;
import dev.banger.api.net.v1.EnsureBridgeRequest;
import dev.banger.api.net.v1.LeaseIpRequest;
import dev.banger.api.net.v1.ListLeasesRequest;
import dev.banger.api.net.v1.ReleaseIpRequest;
import dev.banger.api.net.v1.RemoveBridgeRequest;
import dev.banger.api.net.v1.Tap;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.net.testing.ChildNetService;
import dev.banger.net.testing.NetNamespace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * net-service's figures (issue #5), inside a network namespace of its own with net-service in a
 * child JVM (as its tests run it), over the Unix socket:
 *
 * <ol>
 *   <li>AcquireTap from the warm pool vs. made cold (owner other than the pool's), RPC round trip,
 *       the pool refilled before each warm call; and the same two ip batches run directly (rename +
 *       attach vs. tuntap add + attach), to show what the kernel and ip cost without banger;
 *   <li>50 concurrent LeaseIp + AcquireTap (one VM each, pool of 8), per-VM latency p50/p99 and
 *       wall time; baseline: the same 50 one after another.
 * </ol>
 *
 * Usage: NetBench [reps] [rounds]
 */
public final class NetBench {

  static final HostCommandRunner RUN = new HostCommandRunner();
  static final int POOL = 8;
  static final int POOL_OWNER = 1000;

  public static void main(String[] args) throws Exception {
    int reps = args.length > 0 ? Integer.parseInt(args[0]) : 25;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path dir = Files.createTempDirectory("bgr-net-bench-");
    try (NetNamespace ns = NetNamespace.create();
        ChildNetService svc =
            ChildNetService.start(
                ns,
                dir,
                """
            owner = "%d"
            [net]
            tap_pool_size = %d
            """
                    .formatted(POOL_OWNER, POOL))) {
      svc.stub().ensureBridge(EnsureBridgeRequest.getDefaultInstance());
      tapWarmVsCold(ns, svc, reps);
      concurrent(ns, svc, rounds);
      svc.stub().removeBridge(RemoveBridgeRequest.getDefaultInstance());
    } finally {
      RUN.run(Command.of("rm", "-rf", dir.toString()).build());
    }
  }

  static void tapWarmVsCold(NetNamespace ns, ChildNetService svc, int reps) throws Exception {
    List<Double> warm = new ArrayList<>();
    List<Double> cold = new ArrayList<>();
    List<Double> rawRename = new ArrayList<>();
    List<Double> rawCreate = new ArrayList<>();
    for (int i = -3; i < reps; i++) { // 3 warm-up rounds, not counted
      awaitPool(ns, POOL);
      String a = leased(svc, "w" + (i + 3));
      long t0 = System.nanoTime();
      Tap tw =
          svc.stub()
              .acquireTap(AcquireTapRequest.newBuilder().setVmId(a).setOwnerUid(POOL_OWNER).build())
              .getTap();
      long t1 = System.nanoTime();
      String b = leased(svc, "c" + (i + 3));
      long t2 = System.nanoTime();
      Tap tc =
          svc.stub()
              .acquireTap(
                  AcquireTapRequest.newBuilder().setVmId(b).setOwnerUid(POOL_OWNER + 1).build())
              .getTap();
      long t3 = System.nanoTime();
      if (!tw.getFromPool() || tc.getFromPool()) {
        throw new IllegalStateException(
            "expected one warm and one cold tap, got " + tw + " / " + tc);
      }
      // The same two batches by hand, on taps outside banger's marks.
      ns.ip("tuntap", "add", "dev", "bench-p", "mode", "tap", "user", Integer.toString(POOL_OWNER));
      long r0 = System.nanoTime();
      ns.execWithStdin(
          "link set dev bench-p name bench-r\nlink set dev bench-r master br-banger up\n",
          "ip",
          "-batch",
          "-");
      long r1 = System.nanoTime();
      ns.execWithStdin(
          "tuntap add dev bench-c mode tap user "
              + POOL_OWNER
              + "\nlink set dev bench-c master br-banger up\n",
          "ip",
          "-batch",
          "-");
      long r2 = System.nanoTime();
      ns.ip("link", "del", "dev", "bench-r");
      ns.ip("link", "del", "dev", "bench-c");
      svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(a).build());
      svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(b).build());
      if (i >= 0) {
        warm.add((t1 - t0) / 1e6);
        cold.add((t3 - t2) / 1e6);
        rawRename.add((r1 - r0) / 1e6);
        rawCreate.add((r2 - r1) / 1e6);
      }
    }
    System.out.printf("AcquireTap RPC, warm pool : %s%n", stats(warm));
    System.out.printf("AcquireTap RPC, made cold : %s%n", stats(cold));
    System.out.printf("ratio cold/warm (median)  : %.2f%n", median(cold) / median(warm));
    System.out.printf(
        "ip batch by hand (ip netns exec + ip), rename+attach: %s%n", stats(rawRename));
    System.out.printf(
        "ip batch by hand (ip netns exec + ip), create+attach: %s%n", stats(rawCreate));
  }

  static void concurrent(NetNamespace ns, ChildNetService svc, int rounds) throws Exception {
    for (int round = 1; round <= rounds; round++) {
      awaitPool(ns, POOL);
      List<Double> lat = Collections.synchronizedList(new ArrayList<>());
      AtomicInteger warm = new AtomicInteger();
      long w0 = System.nanoTime();
      try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          String name = "p" + round + "-" + i;
          fs.add(
              ex.submit(
                  () -> {
                    String vm = UUID.randomUUID().toString();
                    long t0 = System.nanoTime();
                    svc.stub()
                        .leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName(name).build());
                    Tap t =
                        svc.stub()
                            .acquireTap(
                                AcquireTapRequest.newBuilder()
                                    .setVmId(vm)
                                    .setOwnerUid(POOL_OWNER)
                                    .build())
                            .getTap();
                    lat.add((System.nanoTime() - t0) / 1e6);
                    if (t.getFromPool()) {
                      warm.incrementAndGet();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) {
          f.get();
        }
      }
      double wall = (System.nanoTime() - w0) / 1e6;
      releaseAll(svc);
      awaitPool(ns, POOL);
      List<Double> seq = new ArrayList<>();
      List<Double> seqLease = new ArrayList<>();
      long s0 = System.nanoTime();
      for (int i = 0; i < 50; i++) {
        String vm = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        svc.stub()
            .leaseIp(
                LeaseIpRequest.newBuilder().setVmId(vm).setVmName("s" + round + "-" + i).build());
        seqLease.add((System.nanoTime() - t0) / 1e6);
        svc.stub()
            .acquireTap(AcquireTapRequest.newBuilder().setVmId(vm).setOwnerUid(POOL_OWNER).build());
        seq.add((System.nanoTime() - t0) / 1e6);
      }
      double seqWall = (System.nanoTime() - s0) / 1e6;
      releaseAll(svc);
      System.out.printf(
          "round %d: 50 concurrent lease+tap: %s; wall %.0f ms; %d from the pool%n",
          round, stats(lat), wall, warm.get());
      System.out.printf(
          "round %d: 50 sequential lease+tap (baseline): %s; wall %.0f ms%n",
          round, stats(seq), seqWall);
      System.out.printf("round %d:   of which LeaseIp alone: %s%n", round, stats(seqLease));
    }
  }

  static String leased(ChildNetService svc, String name) {
    String vm = UUID.randomUUID().toString();
    svc.stub().leaseIp(LeaseIpRequest.newBuilder().setVmId(vm).setVmName(name).build());
    return vm;
  }

  static void releaseAll(ChildNetService svc) {
    svc.stub()
        .listLeases(ListLeasesRequest.getDefaultInstance())
        .getLeasesList()
        .forEach(
            l -> svc.stub().releaseIp(ReleaseIpRequest.newBuilder().setVmId(l.getVmId()).build()));
  }

  static void awaitPool(NetNamespace ns, int n) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (ns.ip("link", "show").lines().filter(l -> l.matches("^[0-9]+: tbp-.*")).count() < n) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the warm pool did not refill to " + n);
      }
      Thread.sleep(20);
    }
  }

  static double median(List<Double> xs) {
    return pct(xs, 50);
  }

  static double pct(List<Double> xs, double p) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int i = (int) Math.ceil(p / 100.0 * s.size()) - 1;
    return s.get(Math.max(0, Math.min(s.size() - 1, i)));
  }

  static String stats(List<Double> xs) {
    return String.format(
        "p50 %.1f ms, p99 %.1f ms, min %.1f, max %.1f (n=%d)",
        pct(xs, 50), pct(xs, 99), Collections.min(xs), Collections.max(xs), xs.size());
  }
}
