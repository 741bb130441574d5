package dev.banger.bench;

import dev.banger.api.vm.v1.CreateVmRequest;
import dev.banger.api.vm.v1.ExecRequest;
import dev.banger.api.vm.v1.ExecResponse;
import dev.banger.api.vm.v1.ExecStart;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmServiceGrpc;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import dev.banger.net.testing.NetNamespace;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * VmService.Exec against the system's OpenSSH with banger's key, on the same running VM under QEMU
 * TCG, in a namespace of its own; rounds alternate which goes first. (1) {@code true}: a program's
 * Exec call on a channel it holds vs. {@code ssh ... true} (a process per command, as a script
 * shelling out runs it). Target ≤ 1.0×. (2) 100 MB of output: Exec vs. {@code ssh ... head >
 * /dev/null}. Usage: ExecBench [rounds]
 */
public final class ExecBench {

  static final long FLOOD = 100_000_000L;

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
    VmBench.withStack(
        "bgr-exec-bench-",
        """
        [net]
        tap_pool_size = 0
        [vm]
        boot_timeout_seconds = 300
        """,
        (ch, ns, state) -> run(ch, ns, state, rounds));
  }

  static void run(ManagedChannel ch, NetNamespace ns, Path state, int rounds) throws Exception {
    Vm vm =
        VmBench.last(
                VmServiceGrpc.newBlockingStub(ch)
                    .withDeadlineAfter(10, TimeUnit.MINUTES)
                    .createVm(CreateVmRequest.newBuilder().setName("exec-bench").build()))
            .getVm();
    List<String> ssh =
        List.of(
            "ip",
            "netns",
            "exec",
            ns.name(),
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            state.resolve("lib/ssh/id_ed25519").toString(),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "UserKnownHostsFile=" + state.resolve("lib/ssh/known_hosts"),
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-T",
            "root@" + vm.getIpAddress());
    // Warm both paths once: the first SSH handshake, class loading.
    exec(ch, "true");
    ssh(ssh, "true");
    List<Double> viaExec = new ArrayList<>();
    List<Double> viaSsh = new ArrayList<>();
    for (int r = 0; r < rounds; r++) {
      if (r % 2 == 0) {
        viaExec.add(exec(ch, "true")[0]);
        viaSsh.add(ssh(ssh, "true"));
      } else {
        viaSsh.add(ssh(ssh, "true"));
        viaExec.add(exec(ch, "true")[0]);
      }
    }
    report("true, round trip", viaExec, viaSsh);

    List<Double> floodExec = new ArrayList<>();
    List<Double> floodSsh = new ArrayList<>();
    String head = "head -c " + FLOOD + " /dev/zero";
    for (int r = 0; r < Math.max(3, rounds / 10); r++) {
      if (r % 2 == 1) {
        floodSsh.add(ssh(ssh, head));
      }
      double[] e = exec(ch, "sh", "-c", head);
      if (e[1] != FLOOD) {
        throw new IllegalStateException("Exec delivered " + e[1] + " bytes, not " + FLOOD);
      }
      floodExec.add(e[0]);
      if (r % 2 == 0) {
        floodSsh.add(ssh(ssh, head));
      }
    }
    report("100 MB of output", floodExec, floodSsh);

    // GetFiles against two baselines for one 100 MB file: the system's scp in SFTP mode with
    // banger's key (what vm cp ran before it used GetFiles), and `banger vm cp` itself (a CLI
    // process: JVM start, GetFiles, the checked extraction to disk).
    exec(ch, "sh", "-c", "head -c " + FLOOD + " /dev/urandom > /root/blob");
    Path local = Files.createTempDirectory(state, "scp-");
    List<String> scp = new ArrayList<>(ssh.subList(0, 4)); // ip netns exec NS
    scp.addAll(List.of("scp", "-s", "-p"));
    scp.addAll(ssh.subList(5, ssh.size() - 2)); // banger's options, without -T and the target
    scp.add("root@" + vm.getIpAddress() + ":/root/blob");
    scp.add(local.resolve("blob").toString());
    Path cli = Path.of("deploy/target/dist/bin/banger").toAbsolutePath();
    List<String> cp =
        List.of(
            cli.toString(),
            "--state-dir",
            state.toString(),
            "vm",
            "cp",
            "exec-bench:/root/blob",
            local.resolve("via-cp").toString());
    boolean withCp = Files.isExecutable(cli);
    if (!withCp) {
      System.out.println(
          "vm cp column SKIPPED: " + cli + " is not built (scripts/bench builds it)");
    }
    List<Double> viaGet = new ArrayList<>();
    List<Double> viaScp = new ArrayList<>();
    List<Double> viaCp = new ArrayList<>();
    for (int r = 0; r < Math.max(3, rounds / 10); r++) {
      if (r % 2 == 1) {
        viaScp.add(run(scp));
        if (withCp) {
          viaCp.add(run(cp));
        }
      }
      viaGet.add(getFiles(ch, "/root/blob"));
      if (r % 2 == 0) {
        viaScp.add(run(scp));
        if (withCp) {
          viaCp.add(run(cp));
        }
      }
    }
    report("GetFiles 100 MB", viaGet, viaScp, "scp -s -p");
    if (withCp) {
      report("GetFiles 100 MB", viaGet, viaCp, "vm cp");
    }
  }

  /** GetFiles of {@code path}, the tar counted and dropped: milliseconds. */
  static double getFiles(ManagedChannel ch, String path) {
    long t0 = System.nanoTime();
    long bytes = 0;
    var it =
        VmServiceGrpc.newBlockingStub(ch)
            .getFiles(
                dev.banger.api.vm.v1.GetFilesRequest.newBuilder()
                    .setVm("exec-bench")
                    .setPath(path)
                    .build());
    while (it.hasNext()) {
      bytes += it.next().getTar().size();
    }
    if (bytes < FLOOD) {
      throw new IllegalStateException("GetFiles delivered " + bytes + " bytes");
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  static double run(List<String> argv) throws Exception {
    long t0 = System.nanoTime();
    CommandResult r = VmBench.RUN.run(Command.of(argv).timeout(Duration.ofMinutes(10)).build());
    if (!r.succeeded()) {
      throw new IllegalStateException(argv.get(4) + ": " + r.stderrText());
    }
    return (System.nanoTime() - t0) / 1e6;
  }

  /** One Exec call on {@code ch}: {milliseconds, stdout bytes}. */
  static double[] exec(ManagedChannel ch, String... argv) throws Exception {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    AtomicLong bytes = new AtomicLong();
    long t0 = System.nanoTime();
    StreamObserver<ExecRequest> in =
        VmServiceGrpc.newStub(ch)
            .exec(
                new StreamObserver<>() {
                  int exit = -1;

                  @Override
                  public void onNext(ExecResponse m) {
                    if (m.hasStdout()) {
                      bytes.addAndGet(m.getStdout().size());
                    } else if (m.hasExit()) {
                      exit = m.getExit().getExitCode();
                    }
                  }

                  @Override
                  public void onError(Throwable t) {
                    done.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    done.complete(exit);
                  }
                });
    in.onNext(
        ExecRequest.newBuilder()
            .setStart(ExecStart.newBuilder().setVm("exec-bench").addAllArgv(List.of(argv)))
            .build());
    in.onCompleted();
    int exit = done.get(10, TimeUnit.MINUTES);
    double ms = (System.nanoTime() - t0) / 1e6;
    if (exit != 0) {
      throw new IllegalStateException("Exec of " + List.of(argv) + " exited " + exit);
    }
    return new double[] {ms, bytes.get()};
  }

  /** One {@code ssh ... command} (its output to /dev/null on the host): milliseconds. */
  static double ssh(List<String> ssh, String command) throws Exception {
    List<String> argv = new ArrayList<>(List.of("sh", "-c"));
    argv.add(String.join(" ", ssh) + " '" + command + "' > /dev/null");
    long t0 = System.nanoTime();
    CommandResult r = VmBench.RUN.run(Command.of(argv).timeout(Duration.ofMinutes(10)).build());
    double ms = (System.nanoTime() - t0) / 1e6;
    if (!r.succeeded()) {
      throw new IllegalStateException("ssh " + command + ": " + r.stderrText());
    }
    return ms;
  }

  static void report(String what, List<Double> exec, List<Double> ssh) {
    report(what, exec, ssh, "ssh");
  }

  static void report(String what, List<Double> exec, List<Double> base, String baseName) {
    List<Double> ssh = base;
    System.out.printf(
        "%-18s banger p50 %8.1f ms p90 %8.1f ms | %s p50 %8.1f ms p90 %8.1f ms | ratio p50 %.2f%n",
        what,
        pct(exec, 50),
        pct(exec, 90),
        baseName,
        pct(ssh, 50),
        pct(ssh, 90),
        pct(exec, 50) / pct(ssh, 50));
  }

  static double pct(List<Double> v, int p) {
    List<Double> s = v.stream().sorted().toList();
    return s.get(Math.min(s.size() - 1, (int) Math.ceil(p / 100.0 * s.size()) - 1));
  }
}
