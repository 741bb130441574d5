package dev.banger.bench;

import dev.banger.api.image.v1.ImageServiceGrpc;
import dev.banger.api.image.v1.ImportKernelRequest;
import dev.banger.api.image.v1.PullImageRequest;
import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.CreateVmResponse;
import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.StartVmRequest;
import dev.banger.api.vm.v1.StartVmResponse;
import dev.banger.api.vm.v1.StopVmRequest;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.grpc.UnixChannels;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.HostCommandRunner;
import dev.banger.kit.process.RunningProcess;
import dev.banger.net.testing.NetNamespace;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * vm-service's figures (issue #6): the assembled {@code bangerd --all} inside a network namespace
 * of its own, Debian's kernel and the debian-bookworm image, QEMU TCG. Per round:
 *
 * <ol>
 *   <li>CreateVm to SSH-ready (first boot: disks made, host key generated), with each stage's time;
 *       baseline: the very QEMU command line banger ran, with a tap made by hand, on copies of the
 *       VM's disks reset to a first boot, from exec to the first {@code ssh true} that succeeds
 *       (OpenSSH polling every 100 ms);
 *   <li>StartVm of the stopped VM to SSH-ready (a later boot); baseline: the same command line on
 *       the same disks.
 * </ol>
 *
 * The ratios are the orchestration overhead (target ≤ 1.10). Usage: VmBench [rounds]
 */
public final class VmBench {

  static final HostCommandRunner RUN = new HostCommandRunner();
  static final Path DIST = Path.of("deploy/target/dist");

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    withStack(
        "bgr-vm-bench-",
        SMALL_STACK_CONFIG,
        (ch, ns, state) -> run(VmServiceGrpc.newBlockingStub(ch), ns, state, rounds));
  }

  /** The config of the VM benches' stacks: no tap pool, small disks, a generous boot time. */
  static final String SMALL_STACK_CONFIG =
      """
      [net]
      tap_pool_size = 0
      [vm]
      work_disk_bytes = 536870912
      system_overlay_bytes = 1073741824
      boot_timeout_seconds = 300
      """;

  /** What runs against a prepared stack: its vm-service channel, namespace and state dir. */
  interface StackBody {
    void run(ManagedChannel vm, NetNamespace ns, Path state) throws Exception;
  }

  /**
   * A whole banger in a namespace of its own on a fresh state dir under /tmp ({@code prefix}), with
   * {@code config}, the kernel imported and the default image built; {@code body} runs against it,
   * and everything goes afterwards (processes, state dir, namespace).
   */
  static void withStack(String prefix, String config, StackBody body) throws Exception {
    withStack(prefix, config, (images, kernel) -> {}, body);
  }

  /** More images for a stack, pulled with its kernel before the stack moves into its namespace. */
  interface MorePulls {
    void pull(ImageServiceGrpc.ImageServiceBlockingStub images, String kernel) throws Exception;
  }

  static void withStack(String prefix, String config, MorePulls more, StackBody body)
      throws Exception {
    Path state = Files.createTempDirectory(Path.of("/tmp"), prefix);
    Path cfg = Files.writeString(state.resolve("config.toml"), config);
    try (NetNamespace ns = NetNamespace.create()) {
      prepare(state, cfg, more);
      RunningProcess all = bangerd(state, cfg, ns.name(), "--all");
      ManagedChannel ch = UnixChannels.forSocket(state.resolve("run/vm.sock"));
      try {
        body.run(ch, ns, state);
      } finally {
        ch.shutdownNow();
        all.terminate();
        all.waitFor(Duration.ofSeconds(30));
      }
    } finally {
      RUN.run(Command.of("pkill", "-9", "-f", state.toString()).build());
      deleteCloneNetnsNames(state.resolve("bangerd-all.log"));
      RUN.run(Command.of("rm", "-rf", "--one-file-system", state.toString()).build());
    }
  }

  /**
   * The names in /run/netns of clone namespaces this run's net-service made and could not remove
   * (stopped with clones running): found by the install id its log names.
   */
  static void deleteCloneNetnsNames(Path log) throws Exception {
    Optional<String> install =
        Files.exists(log) ? NetNamespace.installIdIn(Files.readString(log)) : Optional.empty();
    if (install.isPresent()) {
      NetNamespace.deleteCloneNamespaces(install.get());
    }
  }

  /** Kernel and image, made outside the namespace (mmdebstrap needs Debian's mirror). */
  static void prepare(Path state, Path cfg) throws Exception {
    prepare(state, cfg, (images, kernel) -> {});
  }

  static void prepare(Path state, Path cfg, MorePulls more) throws Exception {
    RunningProcess disk = bangerd(state, cfg, null, "--service", "disk");
    RunningProcess image = bangerd(state, cfg, null, "--service", "image");
    ManagedChannel ch = UnixChannels.forSocket(state.resolve("run/image.sock"));
    try {
      var images = ImageServiceGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.MINUTES);
      String release;
      try (Stream<Path> s = Files.list(Path.of("/boot"))) {
        release =
            s.map(p -> p.getFileName().toString())
                .filter(n -> n.startsWith("vmlinuz-"))
                .sorted()
                .reduce((a, b) -> b)
                .orElseThrow(() -> new IllegalStateException("no /boot/vmlinuz-*"))
                .substring("vmlinuz-".length());
      }
      String kernel =
          last(images.importKernel(
                  ImportKernelRequest.newBuilder()
                      .setFromHost(true)
                      .setHostRelease(release)
                      .build()))
              .getKernel()
              .getName();
      long t0 = System.nanoTime();
      last(
          images.pullImage(
              PullImageRequest.newBuilder()
                  .setReference("debian-bookworm")
                  .setKernel(kernel)
                  .build()));
      System.out.printf(
          "image debian-bookworm built in %.1f s (kernel %s)%n",
          (System.nanoTime() - t0) / 1e9, release);
      more.pull(images, kernel);
    } finally {
      ch.shutdownNow();
      for (RunningProcess p : List.of(image, disk)) {
        p.terminate();
        p.waitFor(Duration.ofSeconds(30));
      }
    }
  }

  static RunningProcess bangerd(Path state, Path cfg, String netns, String... which)
      throws Exception {
    List<String> argv = new ArrayList<>();
    if (netns != null) {
      argv.addAll(List.of("ip", "netns", "exec", netns));
    }
    argv.add(DIST.resolve("bin/bangerd").toAbsolutePath().toString());
    argv.addAll(List.of(which));
    argv.addAll(List.of("--state-dir", state.toString(), "--config", cfg.toString()));
    Path log = state.resolve("bangerd-" + String.join("", which).replace("-", "") + ".log");
    RunningProcess p = RUN.start(Command.of(argv).build(), log);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (!(Files.exists(log) && Files.readString(log).contains("bangerd: serving"))) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "bangerd " + Arrays.toString(which) + " did not start:\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
    return p;
  }

  static void run(VmServiceGrpc.VmServiceBlockingStub vms, NetNamespace ns, Path state, int rounds)
      throws Exception {
    List<Double> create = new ArrayList<>();
    List<Double> start = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    List<Double> rawFirst = new ArrayList<>();
    Map<String, List<Double>> stages = new LinkedHashMap<>();
    Map<String, List<Double>> startStages = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      String name = "bench-" + r;
      var stub = vms.withDeadlineAfter(10, TimeUnit.MINUTES);
      long t0 = System.nanoTime();
      Vm vm = null;
      String stage = null;
      long stageT = t0;
      for (Iterator<CreateVmResponse> it =
              stub.createVm(CreateVmRequest.newBuilder().setName(name).build());
          it.hasNext(); ) {
        CreateVmResponse e = it.next();
        long now = System.nanoTime();
        if (e.hasProgress() && !e.getProgress().getStage().equals(stage)) {
          if (stage != null) {
            stages.computeIfAbsent(stage, k -> new ArrayList<>()).add((now - stageT) / 1e6);
          }
          stage = e.getProgress().getStage();
          stageT = now;
        }
        if (e.hasVm()) {
          vm = e.getVm();
          stages.computeIfAbsent(stage, k -> new ArrayList<>()).add((now - stageT) / 1e6);
        }
      }
      create.add((System.nanoTime() - t0) / 1e6);
      List<String> argv = qemuArgv(state, vm.getId());
      String tap = argv.stream().filter(a -> a.startsWith("tap,")).findFirst().orElseThrow();
      vms.stopVm(StopVmRequest.newBuilder().setVm(name).build());
      rawFirst.add(rawBoot(ns, state, vm, argv, tap, true));

      long t1 = System.nanoTime();
      String sStage = null;
      long sT = t1;
      for (Iterator<StartVmResponse> it =
              stub.startVm(StartVmRequest.newBuilder().setVm(name).build());
          it.hasNext(); ) {
        StartVmResponse e = it.next();
        long now = System.nanoTime();
        if ((e.hasProgress() && !e.getProgress().getStage().equals(sStage)) || e.hasVm()) {
          if (sStage != null) {
            startStages.computeIfAbsent(sStage, k -> new ArrayList<>()).add((now - sT) / 1e6);
          }
          sStage = e.hasVm() ? null : e.getProgress().getStage();
          sT = now;
        }
      }
      start.add((System.nanoTime() - t1) / 1e6);
      vms.stopVm(StopVmRequest.newBuilder().setVm(name).build());

      raw.add(rawBoot(ns, state, vm, argv, tap, false));
      vms.withDeadlineAfter(2, TimeUnit.MINUTES)
          .deleteVm(DeleteVmRequest.newBuilder().setVm(name).build());
      System.out.printf(
          "round %d: create+start %.0f ms vs raw first boot %.0f ms (%.2f); start %.0f ms vs raw"
              + " later boot %.0f ms (%.2f)%n",
          r + 1,
          create.getLast(),
          rawFirst.getLast(),
          create.getLast() / rawFirst.getLast(),
          start.getLast(),
          raw.getLast(),
          start.getLast() / raw.getLast());
    }
    System.out.println(
        "stage medians, from the client's view of the progress stream: create | start");
    stages.forEach(
        (k, v) ->
            System.out.printf(
                "  %-15s %8.0f ms | %8.0f ms%n",
                k, median(v), median(startStages.getOrDefault(k, List.of()))));
    double c = median(create);
    double cf = median(rawFirst);
    double s = median(start);
    double b = median(raw);
    System.out.printf(
        "medians over %d rounds: create+start %.0f ms, raw first boot %.0f ms; start %.0f ms, raw"
            + " later boot %.0f ms%n",
        rounds, c, cf, s, b);
    System.out.printf(
        "ratio create+start / raw first boot = %.2f; start / raw later boot = %.2f (target <= 1.10)%n",
        c / cf, s / b);
  }

  /** The command line of the VM's QEMU, read from /proc while it runs. */
  static List<String> qemuArgv(Path state, String vmId) throws Exception {
    String pid =
        RUN.check(Command.of("pgrep", "-f", "banger-" + vmId).build())
            .stdoutText()
            .lines()
            .findFirst()
            .orElseThrow()
            .strip();
    String cmdline = Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.UTF_8);
    return List.of(cmdline.split("\0"));
  }

  /**
   * The same QEMU command line with a hand-made tap and its own run dir: on the same disks (a later
   * boot), or, for {@code firstBoot}, on sparse copies whose first-boot marker and SSH host keys
   * are removed, so the guest does its first boot again as banger's create did.
   */
  static double rawBoot(
      NetNamespace ns, Path state, Vm vm, List<String> argv, String tapOpt, boolean firstBoot)
      throws Exception {
    Path runDir = state.resolve("run/vms/" + vm.getId());
    Path rawDir = Files.createDirectories(state.resolve("run/raw"));
    Path vmDir = state.resolve("lib/vms/" + vm.getId());
    Path known = state.resolve("lib/ssh/known_hosts");
    Map<String, String> disks = new LinkedHashMap<>();
    if (firstBoot) {
      for (String disk : List.of("rootfs.ext4", "work.ext4")) {
        Path copy = rawDir.resolve(disk);
        RUN.check(
            Command.of("cp", "--sparse=always", vmDir.resolve(disk).toString(), copy.toString())
                .build());
        disks.put(vmDir.resolve(disk).toString(), copy.toString());
      }
      RUN.check(
          Command.of("debugfs", "-w", "-f", "-", rawDir.resolve("rootfs.ext4").toString())
              .stdin(
                  "rm /var/lib/banger/first-boot.done\nrm /etc/ssh/ssh_host_ed25519_key\nrm /etc/ssh/ssh_host_ed25519_key.pub\n")
              .build());
      known = rawDir.resolve("known_hosts");
      Files.deleteIfExists(known);
    }
    String tap = "tbraw0";
    ns.ip("tuntap", "add", tap, "mode", "tap");
    ns.ip("link", "set", tap, "master", "br-banger");
    ns.ip("link", "set", tap, "up");
    String oldTap = tapOpt.split("ifname=")[1].split(",")[0];
    List<String> raw = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
    for (String a : argv) {
      String x =
          a.replace(runDir.toString(), rawDir.toString())
              .replace("ifname=" + oldTap, "ifname=" + tap)
              .replace("banger-" + vm.getId(), "raw-" + vm.getId());
      for (var d : disks.entrySet()) {
        x = x.replace(d.getKey(), d.getValue());
      }
      raw.add(x);
    }
    Path key = state.resolve("lib/ssh/id_ed25519");
    String checking = firstBoot ? "StrictHostKeyChecking=accept-new" : "StrictHostKeyChecking=yes";
    long t0 = System.nanoTime();
    RUN.check(Command.of(raw).build());
    double ms;
    while (true) {
      var r =
          RUN.run(
              Command.of(
                      "ip",
                      "netns",
                      "exec",
                      ns.name(),
                      "ssh",
                      "-F",
                      "/dev/null",
                      "-i",
                      key.toString(),
                      "-o",
                      "IdentitiesOnly=yes",
                      "-o",
                      "UserKnownHostsFile=" + known,
                      "-o",
                      checking,
                      "-o",
                      "BatchMode=yes",
                      "-o",
                      "ConnectTimeout=2",
                      "root@" + vm.getIpAddress(),
                      "true")
                  .build());
      if (r.succeeded()) {
        ms = (System.nanoTime() - t0) / 1e6;
        break;
      }
      if (System.nanoTime() - t0 > Duration.ofMinutes(5).toNanos()) {
        throw new IllegalStateException(
            "raw QEMU boot not reachable over SSH in 5 min: " + r.stderrText());
      }
      Thread.sleep(100);
    }
    RUN.run(
        Command.of(
                "ip",
                "netns",
                "exec",
                ns.name(),
                "ssh",
                "-F",
                "/dev/null",
                "-i",
                key.toString(),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "UserKnownHostsFile=" + known,
                "-o",
                checking,
                "-o",
                "BatchMode=yes",
                "root@" + vm.getIpAddress(),
                "systemctl poweroff")
            .build());
    String pid = Files.readString(rawDir.resolve("qemu.pid")).strip();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Files.exists(Path.of("/proc/" + pid)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    RUN.run(Command.of("kill", "-9", pid).build());
    ns.ip("link", "del", tap);
    for (String copy : disks.values()) {
      Files.deleteIfExists(Path.of(copy));
    }
    return ms;
  }

  static <T> T last(Iterator<T> it) {
    T t = null;
    while (it.hasNext()) {
      t = it.next();
    }
    return t;
  }

  static double median(List<Double> v) {
    List<Double> s = v.stream().sorted().toList();
    return s.isEmpty() ? 0 : s.get(s.size() / 2);
  }
}
