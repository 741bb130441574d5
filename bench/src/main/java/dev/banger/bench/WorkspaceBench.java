package dev.banger.bench;

import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.StartVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.kit.process.RunningProcess;
import dev.banger.net.testing.NetNamespace;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Workspace prepare (issue #8): a 5,000-file, 100 MB git checkout (random bytes, committed and
 * packed, so .git holds another ~100 MB) into a running VM under QEMU TCG, in a namespace of its
 * own. Baseline, in the same run against the same VM: the same paths (.git and the tracked files)
 * by hand, {@code tar c | ssh tar x} with the system's OpenSSH and banger's key. Rounds rotate
 * which goes first. A third copy per round goes offline, onto the work disk of a VM created and not
 * started (the path {@code vm run} takes); the last of those is booted and checked. Target: prepare
 * ≤ 1.1× by hand. Usage: WorkspaceBench [rounds]
 */
public final class WorkspaceBench {

  static final int FILES = 5000;
  static final int FILE_BYTES = 20_000;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path state = Files.createTempDirectory(Path.of("/tmp"), "bgr-ws-bench-");
    Path cfg =
        Files.writeString(
            state.resolve("config.toml"),
            """
        [net]
        tap_pool_size = 0
        [vm]
        work_disk_bytes = 4294967296
        system_overlay_bytes = 1073741824
        boot_timeout_seconds = 300
        """);
    try (NetNamespace ns = NetNamespace.create()) {
      Path repo = checkout(state.resolve("repo"));
      VmBench.prepare(state, cfg);
      RunningProcess all = VmBench.bangerd(state, cfg, ns.name(), "--all");
      ManagedChannel ch = UnixChannels.forSocket(state.resolve("run/vm.sock"));
      try {
        run(VmServiceGrpc.newBlockingStub(ch), ns, state, repo, rounds);
      } finally {
        ch.shutdownNow();
        all.terminate();
        all.waitFor(Duration.ofSeconds(30));
      }
    } finally {
      // vm-service's own account of each prepare (listing, then the send), for where the time went.
      try (var logs = Files.list(state)) {
        for (Path log :
            logs.filter(p -> p.getFileName().toString().startsWith("bangerd-all")).toList()) {
          Files.readAllLines(log).stream()
              .filter(l -> l.contains("workspace ") || l.contains("on the work disk of VM"))
              .forEach(System.out::println);
        }
      }
      VmBench.RUN.run(Command.of("pkill", "-9", "-f", state.toString()).build());
      VmBench.RUN.run(Command.of("rm", "-rf", "--one-file-system", state.toString()).build());
    }
  }

  static Path checkout(Path repo) throws Exception {
    long t0 = System.nanoTime();
    Random rnd = new Random(42);
    byte[] buf = new byte[FILE_BYTES];
    for (int i = 0; i < FILES; i++) {
      Path f = repo.resolve("d" + (i % 50)).resolve("f" + i + ".bin");
      Files.createDirectories(f.getParent());
      rnd.nextBytes(buf);
      Files.write(f, buf);
    }
    git(repo, "init", "-q");
    git(repo, "add", "-A");
    git(repo, "commit", "-q", "-m", "bench");
    git(repo, "gc", "-q");
    System.out.printf(
        "checkout: %d files, %d MB in the work tree, made in %.1f s%n",
        FILES, (long) FILES * FILE_BYTES / 1_000_000, (System.nanoTime() - t0) / 1e9);
    return repo;
  }

  static PrepareWorkspaceResult prepare(
      VmServiceGrpc.VmServiceBlockingStub vms, String vm, Path repo) {
    return prepare(
        vms,
        PrepareWorkspaceRequest.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setVm(vm)
            .setHostPath(repo.toString())
            .build());
  }

  /** The result, the stream's last message (progress comes before it). */
  static PrepareWorkspaceResult prepare(
      VmServiceGrpc.VmServiceBlockingStub vms, PrepareWorkspaceRequest req) {
    return VmBench.last(vms.withDeadlineAfter(30, TimeUnit.MINUTES).prepareWorkspace(req))
        .getResult();
  }

  /** The file bytes of the checkout (a dry run) when no SSH copy has run yet. */
  static long bytesOf(VmServiceGrpc.VmServiceBlockingStub vms, Path repo, long known) {
    return known > 0
        ? known
        : prepare(
                vms,
                PrepareWorkspaceRequest.newBuilder()
                    .setHostPath(repo.toString())
                    .setDryRun(true)
                    .build())
            .getBytes();
  }

  /** The one process whose command line matches {@code regex} (pgrep -f). */
  static long pid(String regex) throws Exception {
    CommandResult c = VmBench.RUN.run(Command.of("pgrep", "-f", regex).build());
    List<String> lines = c.stdoutText().strip().lines().toList();
    if (lines.size() != 1) {
      throw new IllegalStateException("pgrep -f " + regex + ": " + lines);
    }
    return Long.parseLong(lines.getFirst());
  }

  /**
   * User + system seconds of the children, the last line of bash's {@code times} ("0m1.5s 0m0.2s").
   */
  static double childrenSeconds(String timesOutput) {
    String[] f = timesOutput.strip().lines().reduce((a, b) -> b).orElseThrow().trim().split("\\s+");
    double s = 0;
    for (String t : f) {
      int m = t.indexOf('m');
      s +=
          Integer.parseInt(t.substring(0, m)) * 60
              + Double.parseDouble(t.substring(m + 1, t.length() - 1));
    }
    return s;
  }

  static void git(Path repo, String... args) throws Exception {
    List<String> a =
        new ArrayList<>(
            List.of(
                "git",
                "-C",
                repo.toString(),
                "-c",
                "user.name=b",
                "-c",
                "user.email=b@example.org"));
    a.addAll(List.of(args));
    VmBench.RUN.check(Command.of(a).timeout(Duration.ofMinutes(10)).build());
  }

  static void run(
      VmServiceGrpc.VmServiceBlockingStub vms, NetNamespace ns, Path state, Path repo, int rounds)
      throws Exception {
    Vm vm =
        VmBench.last(
                vms.withDeadlineAfter(10, TimeUnit.MINUTES)
                    .createVm(CreateVmRequest.newBuilder().setName("ws-bench").build()))
            .getVm();
    Path key = state.resolve("lib/ssh/id_ed25519");
    List<String> ssh =
        List.of(
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            key.toString(),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "UserKnownHostsFile=" + state.resolve("lib/ssh/known_hosts"),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "root@" + vm.getIpAddress());
    // By hand: the same list of paths, tar'd by GNU tar and unpacked the way prepare does.
    // bash's `times` ends with the CPU time of the pipeline's processes (git, tar, ssh).
    String byHand =
        "cd "
            + repo
            + " && { printf '.git\\0'; git ls-files -z; } | tar --null -T - -c -f - | "
            + String.join(" ", ssh)
            + " 'rm -rf /root/byhand && mkdir -p /root/byhand && tar -x -p -f - -C /root/byhand'"
            + "; times";
    // Host CPU per copy: banger's side (the bangerd JVM, or the by-hand pipeline) and QEMU's.
    List<Long> pids = List.of(pid("java.*--state-dir " + state), pid("qemu-system.*" + state));
    List<Double> prepCpu = new ArrayList<>();
    List<Double> handCpu = new ArrayList<>();
    List<Double> prepQemu = new ArrayList<>();
    List<Double> handQemu = new ArrayList<>();
    List<Double> prepBusy = new ArrayList<>();
    List<Double> handBusy = new ArrayList<>();
    int cores = Runtime.getRuntime().availableProcessors();
    List<Double> prep = new ArrayList<>();
    List<Double> hand = new ArrayList<>();
    long bytes = 0;
    List<Double> cold = new ArrayList<>();
    String lastCold = null;
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < 3; k++) {
        int which = (r + k) % 3; // rotates which copy goes first
        if (which == 2) {
          // Offline: a VM created but never started gets the same checkout onto its work disk.
          if (lastCold != null) {
            vms.withDeadlineAfter(2, TimeUnit.MINUTES)
                .deleteVm(DeleteVmRequest.newBuilder().setVm(lastCold).build());
          }
          lastCold =
              VmBench.last(
                      vms.withDeadlineAfter(10, TimeUnit.MINUTES)
                          .createVm(
                              CreateVmRequest.newBuilder()
                                  .setName("ws-cold-" + r)
                                  .setNoStart(true)
                                  .build()))
                  .getVm()
                  .getId();
          long t0 = System.nanoTime();
          PrepareWorkspaceResult res = prepare(vms, lastCold, repo);
          cold.add((System.nanoTime() - t0) / 1e9);
          if (!res.getOffline() || res.getBytes() != bytesOf(vms, repo, bytes)) {
            throw new IllegalStateException("offline prepare did not write offline: " + res);
          }
          continue;
        }
        CpuSample c0 = CpuSample.now(pids);
        long t0 = System.nanoTime();
        if (which == 0) {
          PrepareWorkspaceResult res = prepare(vms, vm.getId(), repo);
          bytes = res.getBytes();
          prep.add((System.nanoTime() - t0) / 1e9);
          CpuSample c1 = CpuSample.now(pids);
          prepCpu.add(c1.processSecondsSince(c0, 0));
          prepQemu.add(c1.processSecondsSince(c0, 1));
          prepBusy.add(c1.coresBusySince(c0, cores));
        } else {
          CommandResult c =
              VmBench.RUN.run(
                  Command.of("ip", "netns", "exec", ns.name(), "bash", "-c", byHand)
                      .timeout(Duration.ofMinutes(30))
                      .build());
          if (!c.succeeded()) {
            throw new IllegalStateException("by hand failed: " + c.stderrText());
          }
          hand.add((System.nanoTime() - t0) / 1e9);
          CpuSample c1 = CpuSample.now(pids);
          handCpu.add(childrenSeconds(c.stdoutText()));
          handQemu.add(c1.processSecondsSince(c0, 1));
          handBusy.add(c1.coresBusySince(c0, cores));
        }
      }
    }
    // The last offline copy, booted: what the guest sees there must be what the SSH copies made.
    Vm started =
        VmBench.last(
                vms.withDeadlineAfter(10, TimeUnit.MINUTES)
                    .startVm(StartVmRequest.newBuilder().setVm(lastCold).build()))
            .getVm();
    List<String> sshCold = new ArrayList<>(ssh);
    sshCold.set(sshCold.size() - 1, "root@" + started.getIpAddress());
    CommandResult coldDu =
        VmBench.RUN.run(
            Command.of(
                    List.of(
                        "ip",
                        "netns",
                        "exec",
                        ns.name(),
                        "sh",
                        "-c",
                        String.join(" ", sshCold)
                            + " 'du -sm /root/repo; find /root/repo | wc -l; cd /root/repo && git status "
                            + "--porcelain | wc -l'"))
                .timeout(Duration.ofMinutes(5))
                .build());
    vms.withDeadlineAfter(2, TimeUnit.MINUTES)
        .deleteVm(DeleteVmRequest.newBuilder().setVm(lastCold).setForce(true).build());
    CommandResult du =
        VmBench.RUN.run(
            Command.of(
                    List.of(
                        "ip",
                        "netns",
                        "exec",
                        ns.name(),
                        "sh",
                        "-c",
                        String.join(" ", ssh)
                            + " 'du -sm /root/repo /root/byhand; find /root/repo | wc -l; find /root/byhand | wc -l'"))
                .build());
    double p = VmBench.median(prep);
    double h = VmBench.median(hand);
    System.out.printf(
        "prepare (vm-service, tar over SSH):       %s s, median %.2f s, %.1f MB/s%n",
        prep, p, bytes / 1e6 / p);
    System.out.printf(
        "by hand (tar c | ssh tar x):             %s s, median %.2f s, %.1f MB/s%n",
        hand, h, bytes / 1e6 / h);
    System.out.printf(
        "file bytes sent per copy: %d (%.0f MB); in the guest: %s%n",
        bytes, bytes / 1e6, du.stdoutText().replace('\n', ' ').strip());
    System.out.printf(
        "host CPU s, banger's side: prepare (bangerd JVM + its ssh) %s, by hand (git+tar+ssh) %s%n",
        prepCpu, handCpu);
    System.out.printf("host CPU s, QEMU:          prepare %s, by hand %s%n", prepQemu, handQemu);
    System.out.printf(
        "host cores busy (of %d):    prepare %s, by hand %s%n", cores, prepBusy, handBusy);
    double o = VmBench.median(cold);
    System.out.printf(
        "offline prepare (VM not started, onto its work disk): %s s, median %.2f s, %.1f MB/s%n",
        cold, o, bytes / 1e6 / o);
    System.out.printf(
        "offline copy booted: %s (du MB, entries, git status lines)%n",
        coldDu.stdoutText().replace('\n', ' ').strip());
    System.out.printf("ratio prepare / by hand (median): %.2f (target <= 1.10)%n", p / h);
    System.out.printf("ratio offline prepare / by hand (median): %.2f (target <= 1.10)%n", o / h);
  }
}
