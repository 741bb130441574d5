package dev.banger.bench;

import dev.banger.api.vm.v1.CreateSnapshotRequest;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.GetVmStatsRequest;
import dev.banger.api.vm.v1.SnapshotServiceGrpc;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Warm sandboxes against cold ones, on the same image and kernel in one run, in a namespace of its
 * own: {@code banger vm run --rm -- true} (a boot) against {@code banger vm run --snapshot S --rm
 * -- true} (a restore), rounds alternating which goes first; target warm ≤ 0.1 × cold. Also the
 * warm path's stages itemized (from CreateVm's progress), three clones started at once, and QEMU's
 * resident memory of a restored VM against the cold-booted source. Usage: WarmBench [rounds]
 */
public final class WarmBench {

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    VmBench.withStack(
        "bgr-warm-bench-", VmBench.SMALL_STACK_CONFIG, (ch, ns, state) -> run(ch, state, rounds));
  }

  static void run(ManagedChannel ch, Path state, int rounds) throws Exception {
    var vms = VmServiceGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.MINUTES);
    long t0 = System.nanoTime();
    Vm source =
        VmBench.last(vms.createVm(CreateVmRequest.newBuilder().setName("source").build())).getVm();
    System.out.printf("source VM booted to SSH-ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    t0 = System.nanoTime();
    var snap =
        VmBench.last(
                SnapshotServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.MINUTES)
                    .createSnapshot(
                        CreateSnapshotRequest.newBuilder().setVm("source").setName("warm").build()))
            .getSnapshot();
    System.out.printf(
        "snapshot: %.1f s, saved state %d MB, disk copies %d MB (apparent)%n",
        (System.nanoTime() - t0) / 1e9, snap.getStateBytes() >> 20, snap.getDiskBytes() >> 20);

    // One warm create through the API, for its stages.
    List<String> steps = new ArrayList<>();
    t0 = System.nanoTime();
    var it =
        vms.createVm(CreateVmRequest.newBuilder().setName("probe").setSnapshot("warm").build());
    Vm probe = null;
    while (it.hasNext()) {
      var e = it.next();
      if (e.hasVm()) {
        probe = e.getVm();
      } else if (e.getProgress().getMessage().contains(" done in ")) {
        steps.add(e.getProgress().getMessage());
      }
    }
    System.out.printf(
        "warm create to running and re-identified: %d ms; stages: %s%n",
        (System.nanoTime() - t0) / 1_000_000, String.join(", ", steps));
    for (String line : Files.readAllLines(state.resolve("bangerd-all.log"))) {
      if (line.contains("restored: QEMU up")) {
        System.out.println("  restore-vmm: " + line.substring(line.indexOf("QEMU up")));
      }
    }
    long coldRss = rss(vms, "source");
    long warmRss = rss(vms, "probe");
    System.out.printf(
        "QEMU RSS: cold-booted source %d MiB, restored clone %d MiB (ratio %.2f)%n",
        coldRss >> 20, warmRss >> 20, (double) warmRss / coldRss);
    vms.deleteVm(DeleteVmRequest.newBuilder().setVm("probe").setForce(true).build());
    vms.deleteVm(DeleteVmRequest.newBuilder().setVm("source").setForce(true).build());

    // Three at once.
    t0 = System.nanoTime();
    List<CompletableFuture<Vm>> three = new ArrayList<>();
    for (String n : List.of("c1", "c2", "c3")) {
      three.add(
          CompletableFuture.supplyAsync(
              () ->
                  VmBench.last(
                          vms.createVm(
                              CreateVmRequest.newBuilder().setName(n).setSnapshot("warm").build()))
                      .getVm()));
    }
    for (var f : three) {
      f.get(10, TimeUnit.MINUTES);
    }
    System.out.printf(
        "3 clones started at once: all running in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    for (String n : List.of("c1", "c2", "c3")) {
      vms.deleteVm(DeleteVmRequest.newBuilder().setVm(n).setForce(true).build());
    }

    Path cli = VmBench.DIST.resolve("bin/banger").toAbsolutePath();
    List<String> cold =
        List.of(
            cli.toString(),
            "--state-dir",
            state.toString(),
            "vm",
            "run",
            "--rm",
            "-q",
            "--",
            "true");
    List<String> warm =
        List.of(
            cli.toString(),
            "--state-dir",
            state.toString(),
            "vm",
            "run",
            "--snapshot",
            "warm",
            "--rm",
            "-q",
            "--",
            "true");
    List<Double> coldMs = new ArrayList<>();
    List<Double> warmMs = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      if (r % 2 == 0) {
        coldMs.add(time(cold));
        warmMs.add(time(warm));
      } else {
        warmMs.add(time(warm));
        coldMs.add(time(cold));
      }
      System.out.printf(
          "round %d: cold %.0f ms, warm %.0f ms%n", r + 1, coldMs.getLast(), warmMs.getLast());
    }
    System.out.printf(
        "vm run --rm -- true: cold p50 %.0f ms | from a snapshot p50 %.0f ms | ratio %.3f"
            + " (target <= 0.1)%n",
        VmBench.median(coldMs),
        VmBench.median(warmMs),
        VmBench.median(warmMs) / VmBench.median(coldMs));
  }

  static long rss(VmServiceGrpc.VmServiceBlockingStub vms, String name) {
    return vms.getVmStats(GetVmStatsRequest.newBuilder().setVm(name).build()).getMemoryRssBytes();
  }

  static double time(List<String> argv) throws Exception {
    long t0 = System.nanoTime();
    CommandResult r = VmBench.RUN.run(Command.of(argv).timeout(Duration.ofMinutes(10)).build());
    if (!r.succeeded()) {
      throw new IllegalStateException(String.join(" ", argv) + ": " + r.stderrText());
    }
    return (System.nanoTime() - t0) / 1e6;
  }
}
