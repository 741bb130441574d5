package dev.banger.bench;

import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.api.vm.v1.VmSpec;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.RunningProcess;
import dev.banger.net.testing.NetNamespace;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * How often a TCG boot of Debian's kernel and the debian-bookworm image gets stuck, with 1 and with
 * 2 vCPUs on this host, through banger itself ({@code bangerd --all} in a namespace of its own):
 * each boot is a CreateVm to SSH-ready, alternating the vCPU count so both see the same host.
 * Counted per count: boots that came up at once, boots {@code BootWatch} restarted (and why: a
 * stuck-CPU report on the console, or silence before the login prompt), boots that failed, and the
 * time to SSH-ready. The figures choose the default vCPU count under TCG.
 *
 * <p>Usage: BootStallBench [boots per vCPU count]
 */
public final class BootStallBench {

  /** One boot's outcome. */
  record Boot(int vcpu, boolean ready, String restartedBecause, double seconds) {}

  public static void main(String[] args) throws Exception {
    int boots = args.length > 0 ? Integer.parseInt(args[0]) : 25;
    Path state = Files.createTempDirectory(Path.of("/tmp"), "bgr-stall-bench-");
    Path cfg =
        Files.writeString(
            state.resolve("config.toml"),
            """
            [net]
            tap_pool_size = 0
            [vm]
            memory_mib = 1024
            work_disk_bytes = 536870912
            system_overlay_bytes = 1073741824
            boot_timeout_seconds = 240
            """);
    List<Boot> all = new ArrayList<>();
    try (NetNamespace ns = NetNamespace.create()) {
      VmBench.prepare(state, cfg);
      RunningProcess bangerd = VmBench.bangerd(state, cfg, ns.name(), "--all");
      Path log = state.resolve("bangerd-all.log");
      ManagedChannel ch = UnixChannels.forSocket(state.resolve("run/vm.sock"));
      try {
        var vms = VmServiceGrpc.newBlockingStub(ch);
        for (int i = 0; i < boots; i++) {
          for (int vcpu : new int[] {1, 2}) {
            Boot b = boot(vms, log, vcpu, "stall-" + vcpu + "-" + i);
            all.add(b);
            System.out.printf(
                "boot %d/%d vcpu=%d: %s in %.1f s%s%n",
                i + 1,
                boots,
                vcpu,
                b.ready() ? "SSH-ready" : "FAILED",
                b.seconds(),
                b.restartedBecause() == null ? "" : " (restarted: " + b.restartedBecause() + ")");
          }
        }
      } finally {
        ch.shutdownNow();
        bangerd.terminate();
        bangerd.waitFor(Duration.ofSeconds(60));
      }
    } finally {
      VmBench.RUN.run(Command.of("pkill", "-9", "-f", state.toString()).build());
      VmBench.RUN.run(Command.of("rm", "-rf", "--one-file-system", state.toString()).build());
    }
    for (int vcpu : new int[] {1, 2}) {
      List<Boot> mine = all.stream().filter(b -> b.vcpu() == vcpu).toList();
      Map<String, Integer> why = new TreeMap<>();
      mine.stream()
          .filter(b -> b.restartedBecause() != null)
          .forEach(b -> why.merge(b.restartedBecause(), 1, Integer::sum));
      List<Double> up = mine.stream().filter(Boot::ready).map(Boot::seconds).sorted().toList();
      System.out.printf(
          "vcpu=%d: %d boots, %d up at once, %d restarted %s, %d failed; SSH-ready median %.1f s,"
              + " p90 %.1f s%n",
          vcpu,
          mine.size(),
          mine.stream().filter(b -> b.ready() && b.restartedBecause() == null).count(),
          mine.stream().filter(b -> b.restartedBecause() != null).count(),
          why,
          mine.stream().filter(b -> !b.ready()).count(),
          VmBench.median(up),
          up.isEmpty() ? 0 : up.get(Math.min(up.size() - 1, (int) Math.ceil(up.size() * 0.9) - 1)));
    }
  }

  static Boot boot(VmServiceGrpc.VmServiceBlockingStub vms, Path log, int vcpu, String name)
      throws Exception {
    long mark = Files.size(log);
    long t0 = System.nanoTime();
    boolean ready;
    try {
      VmBench.last(
          vms.withDeadlineAfter(10, TimeUnit.MINUTES)
              .createVm(
                  CreateVmRequest.newBuilder()
                      .setName(name)
                      .setSpec(VmSpec.newBuilder().setVcpu(vcpu))
                      .build()));
      ready = true;
    } catch (StatusRuntimeException e) {
      ready = false;
      System.out.println("  " + name + ": " + e.getStatus().getDescription());
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    String added = Files.readString(log).substring((int) mark);
    String because = null;
    for (String line : added.lines().toList()) {
      if (line.contains(name) && line.contains("the boot is stuck (")) {
        because = line.contains("stuck CPU") ? "stuck-CPU report" : "console silence";
      }
    }
    vms.withDeadlineAfter(5, TimeUnit.MINUTES)
        .deleteVm(DeleteVmRequest.newBuilder().setVm(name).setForce(true).build());
    return new Boot(vcpu, ready, because, seconds);
  }
}
